;; rate-limit: an aura WASM plugin written in WAT. It keeps the number of tool
;; calls in its private storage (key "calls", 4 bytes little-endian) and denies
;; once 3 have been allowed. Instances are not kept between events, so the
;; count lives in host storage, not in a global.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (import "aura" "storage_get" (func $storage_get (param i32 i32 i32 i32) (result i32)))
  (import "aura" "storage_set" (func $storage_set (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "calls")
  (data (i32.const 32) "{\"decision\":\"allow\"}")
  (data (i32.const 64) "{\"decision\":\"deny\",\"reason\":\"rate limit: at most 3 tool calls per session\"}")
  ;; the host writes each request at 4096
  (func (export "aura_alloc") (param $len i32) (result i32) (i32.const 4096))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (local $n i32)
    (i32.store (i32.const 16) (i32.const 0))
    (if (i32.eq (call $storage_get (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 4)) (i32.const 4))
      (then (local.set $n (i32.load (i32.const 16)))))
    (if (i32.ge_u (local.get $n) (i32.const 3))
      (then
        (call $output_set (i32.const 64) (i32.const 75))
        (return (i32.const 0))))
    (i32.store (i32.const 16) (i32.add (local.get $n) (i32.const 1)))
    (drop (call $storage_set (i32.const 0) (i32.const 5) (i32.const 16) (i32.const 4)))
    (call $output_set (i32.const 32) (i32.const 20))
    (i32.const 0)))
