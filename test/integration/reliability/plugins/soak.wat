;; soak.wat - the smallest real plugin: answers allow to every event, and
;; counts calls in a global so a test can tell instances apart.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "{\22decision\22:\22allow\22}")
  (global $calls (mut i32) (i32.const 0))
  ;; The request is written at 4096; anything larger than the rest of the page is refused.
  (func (export "aura_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 61440)) (then (return (i32.const 0))))
    (i32.const 4096))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $output_set (i32.const 16) (i32.const 20))
    (i32.const 0)))
