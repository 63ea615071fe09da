;; blocker.wat - a Clawdius-style plugin as a bare .wasm (aura's WASM ABI):
;; every hook it is mapped to answers block(reason).
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"decision\":\"deny\",\"reason\":\"blocked by the clawdius plugin\"}")
  (func (export "aura_alloc") (param $len i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $len) (i32.const 64512))
      (then (i32.const 0))
      (else (i32.const 1024))))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (call $output_set (i32.const 0) (i32.const 61))
    (i32.const 0)))
