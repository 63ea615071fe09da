;; The ticket check as a WASM plugin (text format, assembled by wat2wasm at
;; build time). It needs no parser: it allows a request whose bytes cite
;; "OPS-" followed by three digits, denies any other, logs which, and traps
;; (unreachable) when the request contains "TRAP", to test trap handling.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (import "aura" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "{\"decision\":\"allow\"}")
  (data (i32.const 64) "{\"decision\":\"deny\",\"reason\":\"Intent must reference an OPS-### ticket.\"}")
  (data (i32.const 160) "ticket cited")

  ;; One request at a time per instance: the input always goes at 1024.
  (func (export "aura_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 130048)) (then (return (i32.const 0))))
    (i32.const 1024))

  (func $digit (param $p i32) (result i32)
    (i32.le_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)) (i32.const 9)))

  ;; Whether the 4 bytes at $p are "OPS-" (little-endian 0x2D53504F) and 3 digits follow.
  (func $ticket_at (param $p i32) (result i32)
    (if (i32.ne (i32.load (local.get $p)) (i32.const 0x2D53504F)) (then (return (i32.const 0))))
    (i32.and (call $digit (i32.add (local.get $p) (i32.const 4)))
      (i32.and (call $digit (i32.add (local.get $p) (i32.const 5)))
               (call $digit (i32.add (local.get $p) (i32.const 6))))))

  (func (export "aura_on_event") (param $ptr i32) (param $len i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (local.get $ptr))
    (local.set $end (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.const 6)))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_s (local.get $p) (local.get $end)))
        ;; "TRAP"
        (if (i32.eq (i32.load (local.get $p)) (i32.const 0x50415254)) (then unreachable))
        (if (call $ticket_at (local.get $p))
          (then
            (call $log (i32.const 1) (i32.const 160) (i32.const 12))
            (call $output_set (i32.const 16) (i32.const 20))
            (return (i32.const 0))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $scan)))
    (call $output_set (i32.const 64) (i32.const 71))
    (i32.const 0)))
