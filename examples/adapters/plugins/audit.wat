;; A WASM plugin in WAT: logs every event it sees through aura.log, then allows.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (import "aura" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{\22decision\22:\22allow\22}")
  (data (i32.const 64) "audit: event seen")
  (func (export "aura_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 61440)) (then (return (i32.const 0))))
    (i32.const 4096))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (call $log (i32.const 1) (i32.const 64) (i32.const 17))
    (call $output_set (i32.const 16) (i32.const 20))
    (i32.const 0)))
