;; spin.wat - aura_on_event never returns: the isolated mode's deadline test.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "aura_alloc") (param $len i32) (result i32) (i32.const 1024))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (loop $forever (br $forever))
    (i32.const 0))
  (export "aura_abi_v1" (func $output_set)))
