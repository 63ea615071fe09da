;; clock.wat - WASI from inside the worker: allows when the guest's realtime
;; (clock_time_get id 0) is the host context's clock, 1,000,000,000 s after the
;; epoch (the test's fake clock), denies otherwise; then writes to fd 7, which
;; WASI refuses with a host diagnostic (no "log" scope needed for it).
(module
  (import "aura" "output_set" (func $out (param i32 i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"decision\":\"allow\"}")
  (data (i32.const 64) "{\"decision\":\"deny\",\"reason\":\"not the host clock\"}")
  (func (export "aura_alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "aura_on_event") (param i32 i32) (result i32)
    (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 512)))
    (drop (call $write (i32.const 7) (i32.const 600) (i32.const 0) (i32.const 700)))
    (if (i64.eq (i64.div_u (i64.load (i32.const 512)) (i64.const 1000000000)) (i64.const 1000000000))
      (then (call $out (i32.const 0) (i32.const 20)))
      (else (call $out (i32.const 64) (i32.const 49))))
    (i32.const 0))
  (export "aura_abi_v1" (func $out)))
