;; fill.wat - bulk memory.fill of 16 MiB forever: one instruction of fuel per
;; fill, so only a bound from outside ends it on time.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 257)
  (func (export "aura_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (loop $again
      (memory.fill (i32.const 65536) (i32.const 7) (i32.const 16777216))
      (br $again))
    (i32.const 0))
  (export "aura_abi_v1" (func $output_set)))
