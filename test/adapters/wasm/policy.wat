;; policy.wat - the adapter's main test plugin, written against the raw ABI.
;;
;; It dispatches on the handler name in the request ("hook":"<name>") by
;; searching the request bytes; each handler exercises one path of the adapter:
;;   allow, deny, mutate  fixed decisions
;;   policy               deny if the event mentions "rm -rf", mutate if "sudo ", else allow
;;   log                  aura.log then allow
;;   fail                 aura.error_set and a non-zero return
;;   trap                 unreachable
;;   loop                 an infinite loop (fuel must end it)
;;   bomb                 memory.grow until refused, then deny
;;   oob                  aura.output_set with a pointer outside memory
;;   garbage              an answer that is not JSON
;;   silent               returns 0 without an answer
;;   recurse              unbounded recursion (call stack exhaustion)
;;   big                  an answer larger than a small output limit
;; Exports besides the ABI: "nop" (empty, the benchmark's floor) and
;; "spin" (a counted loop, for measuring the metering's cost).
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (import "aura" "error_set" (func $error_set (param i32 i32)))
  (import "aura" "log" (func $log (param i32 i32 i32)))

  (memory (export "memory") 1)

  ;; The request goes at 4096; everything below is static data.
  (global $heap_base i32 (i32.const 4096))

  ;; $k_allow @ 16, 14 bytes
  (data (i32.const 16) "\"hook\":\"allow\"")
  ;; $k_deny @ 32, 13 bytes
  (data (i32.const 32) "\"hook\":\"deny\"")
  ;; $k_mutate @ 48, 15 bytes
  (data (i32.const 48) "\"hook\":\"mutate\"")
  ;; $k_policy @ 64, 15 bytes
  (data (i32.const 64) "\"hook\":\"policy\"")
  ;; $k_log @ 80, 12 bytes
  (data (i32.const 80) "\"hook\":\"log\"")
  ;; $k_fail @ 96, 13 bytes
  (data (i32.const 96) "\"hook\":\"fail\"")
  ;; $k_trap @ 112, 13 bytes
  (data (i32.const 112) "\"hook\":\"trap\"")
  ;; $k_loop @ 128, 13 bytes
  (data (i32.const 128) "\"hook\":\"loop\"")
  ;; $k_bomb @ 144, 13 bytes
  (data (i32.const 144) "\"hook\":\"bomb\"")
  ;; $k_oob @ 160, 12 bytes
  (data (i32.const 160) "\"hook\":\"oob\"")
  ;; $k_garbage @ 176, 16 bytes
  (data (i32.const 176) "\"hook\":\"garbage\"")
  ;; $k_silent @ 192, 15 bytes
  (data (i32.const 192) "\"hook\":\"silent\"")
  ;; $k_recurse @ 208, 16 bytes
  (data (i32.const 208) "\"hook\":\"recurse\"")
  ;; $k_big @ 224, 12 bytes
  (data (i32.const 224) "\"hook\":\"big\"")
  ;; $rm @ 240, 6 bytes
  (data (i32.const 240) "rm -rf")
  ;; $sudo @ 256, 5 bytes
  (data (i32.const 256) "sudo ")
  ;; $o_allow @ 272, 20 bytes
  (data (i32.const 272) "{\"decision\":\"allow\"}")
  ;; $o_deny @ 304, 45 bytes
  (data (i32.const 304) "{\"decision\":\"deny\",\"reason\":\"denied by wasm\"}")
  ;; $o_mutate @ 352, 65 bytes
  (data (i32.const 352) "{\"decision\":\"mutate\",\"patch\":{\"command\":\"ls -la\",\"checked\":true}}")
  ;; $o_rm @ 432, 52 bytes
  (data (i32.const 432) "{\"decision\":\"deny\",\"reason\":\"rm -rf is not allowed\"}")
  ;; $o_sudo @ 496, 67 bytes
  (data (i32.const 496) "{\"decision\":\"mutate\",\"patch\":{\"sudo\":false},\"patch_format\":\"merge\"}")
  ;; $o_bomb @ 576, 50 bytes
  (data (i32.const 576) "{\"decision\":\"deny\",\"reason\":\"memory.grow refused\"}")
  ;; $o_garbage @ 640, 16 bytes
  (data (i32.const 640) "this is not json")
  ;; $m_log @ 656, 15 bytes
  (data (i32.const 656) "hello from wasm")
  ;; $m_fail @ 672, 24 bytes
  (data (i32.const 672) "plugin refused the event")

  ;; The host calls this once per event; the previous request is dead by then,
  ;; so the heap restarts at its base each time.
  (func (export "aura_alloc") (param $len i32) (result i32)
    (local $need i32)
    ;; pages needed for [heap_base, heap_base + len)
    (local.set $need
      (i32.shr_u (i32.add (i32.add (global.get $heap_base) (local.get $len)) (i32.const 65535))
                 (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.get $heap_base))

  ;; 1 if needle [n, n+nlen) occurs in haystack [h, h+hlen), else 0.
  (func $contains (param $h i32) (param $hlen i32) (param $n i32) (param $nlen i32) (result i32)
    (local $i i32) (local $j i32) (local $last i32)
    (if (i32.gt_u (local.get $nlen) (local.get $hlen)) (then (return (i32.const 0))))
    (local.set $last (i32.sub (local.get $hlen) (local.get $nlen)))
    (block $done
      (loop $outer
        (local.set $j (i32.const 0))
        (block $mismatch
          (loop $inner
            (br_if $mismatch (i32.ge_u (local.get $j) (local.get $nlen)))
            (br_if $mismatch
              (i32.ne (i32.load8_u (i32.add (local.get $h) (i32.add (local.get $i) (local.get $j))))
                      (i32.load8_u (i32.add (local.get $n) (local.get $j)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $inner)))
        (if (i32.eq (local.get $j) (local.get $nlen)) (then (return (i32.const 1))))
        (br_if $done (i32.ge_u (local.get $i) (local.get $last)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i32.const 0))

  (func $answer (param $p i32) (param $len i32) (result i32)
    (call $output_set (local.get $p) (local.get $len))
    (i32.const 0))

  (func $recurse (param $n i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))

  (func (export "aura_on_event") (param $p i32) (param $len i32) (result i32)
    (if (call $contains (local.get $p) (local.get $len) (i32.const 16) (i32.const 14))
      (then (return (call $answer (i32.const 272) (i32.const 20)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 32) (i32.const 13))
      (then (return (call $answer (i32.const 304) (i32.const 45)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 48) (i32.const 15))
      (then (return (call $answer (i32.const 352) (i32.const 65)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 64) (i32.const 15))
      (then
        (if (call $contains (local.get $p) (local.get $len) (i32.const 240) (i32.const 6))
          (then (return (call $answer (i32.const 432) (i32.const 52)))))
        (if (call $contains (local.get $p) (local.get $len) (i32.const 256) (i32.const 5))
          (then (return (call $answer (i32.const 496) (i32.const 67)))))
        (return (call $answer (i32.const 272) (i32.const 20)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 80) (i32.const 12))
      (then
        (call $log (i32.const 1) (i32.const 656) (i32.const 15))
        (return (call $answer (i32.const 272) (i32.const 20)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 96) (i32.const 13))
      (then
        (call $error_set (i32.const 672) (i32.const 24))
        (return (i32.const 1))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 112) (i32.const 13))
      (then unreachable))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 128) (i32.const 13))
      (then (loop $forever (br $forever))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 144) (i32.const 13))
      (then
        (block $refused
          (loop $grow
            (br_if $refused (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
            (br $grow)))
        (return (call $answer (i32.const 576) (i32.const 50)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 160) (i32.const 12))
      (then (return (call $answer (i32.const 0xfffff000) (i32.const 64)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 176) (i32.const 16))
      (then (return (call $answer (i32.const 640) (i32.const 16)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 192) (i32.const 15))
      (then (return (i32.const 0))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 208) (i32.const 16))
      (then (return (call $recurse (i32.const 0)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 224) (i32.const 12))
      (then (return (call $answer (i32.const 0) (i32.const 65536)))))
    (call $error_set (i32.const 672) (i32.const 24))
    (i32.const 2))

  (func (export "nop"))

  (func (export "spin")
    (local $i i32)
    (loop $again
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 10000)))))

  (export "aura_abi_v1" (func $answer))
)
