;; echo.wat - a Clawdius-style plugin that answers modify(data) with the
;; request it got, so a test can read what its HookContext carried
;; (hook_name, params, session_id, config): the patch is
;; {"seen": <request>}. A byte loop copies, so no bulk-memory is needed.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (memory (export "memory") 2)
  ;; prefix at 0 (37 bytes), suffix at 64 (2 bytes); the request at 1024,
  ;; the answer built at 65536.
  (data (i32.const 0) "{\"decision\":\"mutate\",\"patch\":{\"seen\":")
  (data (i32.const 64) "}}")
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next))))
  (func (export "aura_alloc") (param $len i32) (result i32)
    ;; the request and the answer (request + 39 bytes) must both fit
    (if (result i32) (i32.gt_u (local.get $len) (i32.const 32000))
      (then (i32.const 0))
      (else (i32.const 1024))))
  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (call $copy (i32.const 65536) (i32.const 0) (i32.const 37))
    (call $copy (i32.const 65573) (local.get $ptr) (local.get $len))
    (call $copy (i32.add (i32.const 65573) (local.get $len)) (i32.const 64) (i32.const 2))
    (call $output_set (i32.const 65536) (i32.add (local.get $len) (i32.const 39)))
    (i32.const 0)))
