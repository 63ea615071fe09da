// aura/adapters/wasm/metering.hpp - fuel (instruction) metering inserted at load time.
//
// WABT's interpreter runs a call to completion: its public call API has no
// instruction budget. So the adapter rewrites the module before the
// interpreter sees it (on WABT's IR, read with ReadBinaryIr and written back
// with WriteBinaryModule):
//
//   * a mutable i64 global "fuel" is appended (after every existing global,
//     so no global index moves);
//   * a function import `aura_meter.refuel: [] -> []` is added after the
//     module's own function imports (every later function index is shifted
//     by one in calls, ref.func, exports, element segments and start);
//   * at each function entry and each loop head this sequence is inserted:
//
//         global.get $fuel  i64.const COST  i64.sub  global.set $fuel
//         global.get $fuel  i64.const 0  i64.lt_s
//         if  call $refuel  end
//
//     COST is the number of instructions of the region that starts there:
//     the function body or the loop body, nested blocks and both arms of an
//     `if` included, nested loop bodies excluded (they charge at their own
//     head). It is an upper bound of what one pass through the region runs.
//
// Bulk operations do work in proportion to an operand, not to one
// instruction: before each memory.fill / memory.copy / memory.init,
// table.fill / table.copy / table.init / table.grow and memory.grow the count
// operand (the top of the stack) is saved in a scratch local the metering
// adds to the function, and this is charged:
//
//         local.tee $n  global.get $fuel  local.get $n  i64.extend_i32_u
//         [i64.const UNIT  i64.mul]  [i64.const SHIFT  i64.shr_u]  i64.sub
//         global.set $fuel  (the same check and refuel as above)
//
// i.e. one unit of fuel per 2^SHIFT bytes (bytes_per_fuel rounded down to a
// power of two), pages counted as 65536 bytes and table elements as 8. The
// charge comes before the operation, so 10,000 fills of 16 MiB run out of
// fuel - and reach refuel, which reads the clock - within a few fills.
//
// Every unbounded execution passes a loop head or a function entry again and
// again, so each pass pays at least one unit and the counter must go below
// zero. Then `refuel` (a host function) grants the next slice of the call's
// budget, or traps when the budget is spent or the wall-clock deadline has
// passed. A region is charged when it is entered, so a call that stops early
// in a long straight-line region was charged for all of it: fuel is counted
// conservatively, never under.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "aura/adapters/wasm/wabt.hpp"
#include "aura/core/error.hpp"

namespace aura::wasm {

/// The import the metering adds; the host links it to its refuel function.
inline constexpr const char* meter_module_name = "aura_meter";
inline constexpr const char* meter_refuel_name = "refuel";

/// Blocks nested deeper than this are refused: the IR walks (here and in
/// WABT's writer) recurse once per level.
inline constexpr int max_block_depth = 1024;

/// Where the metering put its pieces in the rewritten module.
struct meter_layout {
  wabt::Index fuel_global = 0;   ///< index of the i64 fuel counter
  wabt::Index refuel_func = 0;   ///< function index of the refuel import
  unsigned bytes_shift = 6;      ///< bulk operations pay one fuel per 2^bytes_shift bytes
};

/// log2 of `bytes_per_fuel` rounded down (1 when 0 is given).
[[nodiscard]] inline unsigned fuel_shift(std::uint32_t bytes_per_fuel) noexcept {
  unsigned s = 0;
  while (s < 31 && (std::uint64_t{2} << s) <= bytes_per_fuel) ++s;
  return bytes_per_fuel <= 1 ? 0 : s;
}

namespace detail {

/// Deepest block nesting in `exprs`, stopping as soon as it passes the limit.
inline int nesting_depth(const wabt::ExprList& exprs, int depth) {
  if (depth > max_block_depth) return depth;
  int deepest = depth;
  for (const wabt::Expr& e : exprs) {
    auto visit = [&](const wabt::ExprList& inner) {
      const int d = nesting_depth(inner, depth + 1);
      if (d > deepest) deepest = d;
    };
    switch (e.type()) {
      case wabt::ExprType::Block: visit(wabt::cast<wabt::BlockExpr>(&e)->block.exprs); break;
      case wabt::ExprType::Loop: visit(wabt::cast<wabt::LoopExpr>(&e)->block.exprs); break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        visit(i->true_.exprs);
        visit(i->false_);
        break;
      }
      case wabt::ExprType::Try: {
        const auto* t = wabt::cast<wabt::TryExpr>(&e);
        visit(t->block.exprs);
        for (const auto& c : t->catches) visit(c.exprs);
        break;
      }
      default: break;
    }
    if (deepest > max_block_depth) return deepest;
  }
  return deepest;
}

/// Instructions of the region `exprs` opens, nested loop bodies excluded.
inline std::uint64_t region_cost(const wabt::ExprList& exprs) {
  std::uint64_t n = 0;
  for (const wabt::Expr& e : exprs) {
    ++n;
    switch (e.type()) {
      case wabt::ExprType::Block: n += region_cost(wabt::cast<wabt::BlockExpr>(&e)->block.exprs); break;
      case wabt::ExprType::If: {
        const auto* i = wabt::cast<wabt::IfExpr>(&e);
        n += region_cost(i->true_.exprs) + region_cost(i->false_);
        break;
      }
      case wabt::ExprType::Try: {
        const auto* t = wabt::cast<wabt::TryExpr>(&e);
        n += region_cost(t->block.exprs);
        for (const auto& c : t->catches) n += region_cost(c.exprs);
        break;
      }
      default: break;  // a loop is one instruction here; its body pays at its head
    }
  }
  return n;
}

/// Appends: store the fuel left (on the stack) and call the refuel function
/// once it is below zero.
inline void store_and_check_fuel(const meter_layout& m, wabt::ExprList& seq) {
  const wabt::Location loc;
  seq.push_back(std::make_unique<wabt::GlobalSetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  seq.push_back(std::make_unique<wabt::CompareExpr>(wabt::Opcode::I64LtS));
  auto check = std::make_unique<wabt::IfExpr>();
  check->true_.exprs.push_back(std::make_unique<wabt::CallExpr>(wabt::Var(m.refuel_func, loc)));
  seq.push_back(std::move(check));
}

/// The charge-and-check sequence for a region of `cost` instructions.
inline wabt::ExprList meter_sequence(const meter_layout& m, std::uint64_t cost) {
  const wabt::Location loc;
  wabt::ExprList seq;
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(cost)));
  seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Sub));
  store_and_check_fuel(m, seq);
  return seq;
}

/// The charge for a bulk operation whose i32 count is on top of the stack
/// (left there): count * unit >> shift fuel, saved through local `scratch`.
inline wabt::ExprList bulk_charge(const meter_layout& m, wabt::Index scratch, std::uint64_t unit) {
  const wabt::Location loc;
  wabt::ExprList seq;
  seq.push_back(std::make_unique<wabt::LocalTeeExpr>(wabt::Var(scratch, loc)));
  seq.push_back(std::make_unique<wabt::GlobalGetExpr>(wabt::Var(m.fuel_global, loc)));
  seq.push_back(std::make_unique<wabt::LocalGetExpr>(wabt::Var(scratch, loc)));
  seq.push_back(std::make_unique<wabt::ConvertExpr>(wabt::Opcode::I64ExtendI32U));
  if (unit != 1) {
    seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(unit)));
    seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Mul));
  }
  if (m.bytes_shift != 0) {
    seq.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(m.bytes_shift)));
    seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64ShrU));
  }
  seq.push_back(std::make_unique<wabt::BinaryExpr>(wabt::Opcode::I64Sub));
  store_and_check_fuel(m, seq);
  return seq;
}

/// Bytes one unit of a bulk operation's count stands for; 0 if `e` is not one.
[[nodiscard]] inline std::uint64_t bulk_unit(const wabt::Expr& e) noexcept {
  switch (e.type()) {
    case wabt::ExprType::MemoryFill:
    case wabt::ExprType::MemoryCopy:
    case wabt::ExprType::MemoryInit: return 1;
    case wabt::ExprType::MemoryGrow: return 65536;
    case wabt::ExprType::TableFill:
    case wabt::ExprType::TableCopy:
    case wabt::ExprType::TableInit:
    case wabt::ExprType::TableGrow: return 8;
    default: return 0;
  }
}

/// Shifts a function index at or past `first` by one (the refuel import was inserted there).
inline void shift_func_var(wabt::Var& v, wabt::Index first) {
  if (v.is_index() && v.index() >= first) v.set_index(v.index() + 1);
}

/// Shifts function references inside `exprs` and meters every loop head and
/// bulk operation in it (`scratch`: the function's scratch i32 local).
inline void rewrite_body(wabt::ExprList& exprs, wabt::Index first, const meter_layout* m,
                         wabt::Index scratch = wabt::kInvalidIndex) {
  for (auto it = exprs.begin(); it != exprs.end(); ++it) {
    wabt::Expr& e = *it;
    if (m != nullptr && scratch != wabt::kInvalidIndex) {
      if (const std::uint64_t unit = bulk_unit(e)) {
        wabt::ExprList seq = bulk_charge(*m, scratch, unit);
        exprs.splice(it, seq);  // before the operation
      }
    }
    switch (e.type()) {
      case wabt::ExprType::Call: shift_func_var(wabt::cast<wabt::CallExpr>(&e)->var, first); break;
      case wabt::ExprType::ReturnCall: shift_func_var(wabt::cast<wabt::ReturnCallExpr>(&e)->var, first); break;
      case wabt::ExprType::RefFunc: shift_func_var(wabt::cast<wabt::RefFuncExpr>(&e)->var, first); break;
      case wabt::ExprType::Block: rewrite_body(wabt::cast<wabt::BlockExpr>(&e)->block.exprs, first, m, scratch); break;
      case wabt::ExprType::Loop: {
        auto& body = wabt::cast<wabt::LoopExpr>(&e)->block.exprs;
        const std::uint64_t cost = region_cost(body) + 1;  // +1: the branch back that re-enters
        rewrite_body(body, first, m, scratch);
        if (m) {
          wabt::ExprList seq = meter_sequence(*m, cost);
          body.splice(body.begin(), seq);
        }
        break;
      }
      case wabt::ExprType::If: {
        auto* i = wabt::cast<wabt::IfExpr>(&e);
        rewrite_body(i->true_.exprs, first, m, scratch);
        rewrite_body(i->false_, first, m, scratch);
        break;
      }
      case wabt::ExprType::Try: {
        auto* t = wabt::cast<wabt::TryExpr>(&e);
        rewrite_body(t->block.exprs, first, m, scratch);
        for (auto& c : t->catches) rewrite_body(c.exprs, first, m, scratch);
        break;
      }
      default: break;
    }
  }
}

/// Index of a `[] -> []` function type, appending one if the module has none.
inline wabt::Index void_func_type(wabt::Module& module) {
  for (wabt::Index i = 0; i < module.types.size(); ++i) {
    if (const auto* ft = wabt::dyn_cast<wabt::FuncType>(module.types[i])) {
      if (ft->sig.param_types.empty() && ft->sig.result_types.empty()) return i;
    }
  }
  auto field = std::make_unique<wabt::TypeModuleField>();
  field->type = std::make_unique<wabt::FuncType>();
  module.AppendField(std::move(field));
  return static_cast<wabt::Index>(module.types.size() - 1);
}

}  // namespace detail

/// Refuses modules nested too deeply for the rewriting walks.
[[nodiscard]] inline result<void> check_nesting(const wabt::Module& module) {
  for (wabt::Index i = module.num_func_imports; i < module.funcs.size(); ++i) {
    if (detail::nesting_depth(module.funcs[i]->exprs, 0) > max_block_depth) {
      return fail(errc::load_error, "function " + std::to_string(i) + " nests blocks deeper than " +
                                        std::to_string(max_block_depth) + " levels");
    }
  }
  return {};
}

/// Rewrites a validated module in place as described at the top of this file.
/// Call check_nesting first.
inline meter_layout insert_metering(wabt::Module& module, std::uint32_t bytes_per_fuel = 64) {
  meter_layout m;
  m.bytes_shift = fuel_shift(bytes_per_fuel);
  const wabt::Location loc;

  // The counter: appended last, so no existing global index moves.
  auto global = std::make_unique<wabt::GlobalModuleField>(loc, "");
  global->global.type = wabt::Type::I64;
  global->global.mutable_ = true;
  global->global.init_expr.push_back(std::make_unique<wabt::ConstExpr>(wabt::Const::I64(0)));
  module.AppendField(std::move(global));
  m.fuel_global = static_cast<wabt::Index>(module.globals.size() - 1);

  // The refuel import: the last function import, shifting defined functions by one.
  const wabt::Index type_index = detail::void_func_type(module);
  const wabt::Index first = module.num_func_imports;
  auto import = std::make_unique<wabt::FuncImport>();
  import->module_name = meter_module_name;
  import->field_name = meter_refuel_name;
  import->func.decl.has_func_type = true;
  import->func.decl.type_var = wabt::Var(type_index, loc);
  wabt::Func* refuel = &import->func;
  wabt::Import* raw_import = import.get();
  module.fields.push_back(std::make_unique<wabt::ImportModuleField>(std::move(import), loc));
  module.imports.push_back(raw_import);
  module.funcs.insert(module.funcs.begin() + first, refuel);
  ++module.num_func_imports;
  m.refuel_func = first;

  // Every reference to a function index at or past `first` moves by one.
  for (wabt::Export* e : module.exports) {
    if (e->kind == wabt::ExternalKind::Func) detail::shift_func_var(e->var, first);
  }
  for (wabt::Var* s : module.starts) detail::shift_func_var(*s, first);
  for (wabt::ElemSegment* seg : module.elem_segments) {
    for (wabt::ExprList& list : seg->elem_exprs) detail::rewrite_body(list, first, nullptr);
    detail::rewrite_body(seg->offset, first, nullptr);
  }
  for (wabt::Index g = module.num_global_imports; g < module.globals.size(); ++g) {
    detail::rewrite_body(module.globals[g]->init_expr, first, nullptr);
  }

  // Bodies: shift references, meter loop heads, then meter the entry.
  for (wabt::Index f = module.num_func_imports; f < module.funcs.size(); ++f) {
    wabt::Func* func = module.funcs[f];
    const std::uint64_t cost = detail::region_cost(func->exprs) + 1;  // +1: the call itself
    const wabt::Index scratch = func->GetNumParamsAndLocals();  // appended: no local index moves
    func->local_types.AppendDecl(wabt::Type::I32, 1);
    detail::rewrite_body(func->exprs, first, &m, scratch);
    wabt::ExprList seq = detail::meter_sequence(m, cost);
    func->exprs.splice(func->exprs.begin(), seq);
  }
  return m;
}

}  // namespace aura::wasm
