;; grow.wat - grows its memory until refused, then writes to every page:
;; bounded by memory_pages and, past that, by the worker's RLIMIT_AS.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"decision\":\"allow\"}")
  (func (export "aura_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (local $pages i32)
    (block $done
      (loop $grow
        (br_if $done (i32.eq (memory.grow (i32.const 256)) (i32.const -1)))
        (br $grow)))
    (local.set $pages (memory.size))
    (block $end
      (loop $touch
        (br_if $end (i32.eqz (local.get $pages)))
        (local.set $pages (i32.sub (local.get $pages) (i32.const 1)))
        (i32.store8 (i32.mul (local.get $pages) (i32.const 65536)) (i32.const 1))
        (br $touch)))
    (unreachable))
  (export "aura_abi_v1" (func $output_set)))
