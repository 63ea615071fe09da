;; guard.wat - the guest SDKs' example guard (sdk/wasm/*/examples/guard.*),
;; its "check" hook written by hand against the raw ABI: the benchmark's exact
;; baseline for what each toolchain adds around the same logic.
;;
;; As the SDKs do it: the "hook" member's value must be "check" (else
;; aura.error_set and a non-zero return); the last "command" member's string
;; value is unescaped into a buffer (absent: allow), logged at debug level,
;; and the decision is deny when it contains "rm -rf", else allow.
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (import "aura" "error_set" (func $error_set (param i32 i32)))
  (import "aura" "log" (func $log (param i32 i32 i32)))

  (memory (export "memory") 1)

  ;; The request goes at 4096; the two value buffers and static data below it.
  (global $heap_base i32 (i32.const 4096))

  ;; $k_hook @ 16, 6 bytes
  (data (i32.const 16) "\"hook\"")
  ;; $k_command @ 32, 9 bytes
  (data (i32.const 32) "\"command\"")
  ;; $check @ 48, 5 bytes
  (data (i32.const 48) "check")
  ;; $rm @ 64, 6 bytes
  (data (i32.const 64) "rm -rf")
  ;; $o_allow @ 80, 20 bytes
  (data (i32.const 80) "{\"decision\":\"allow\"}")
  ;; $o_deny @ 112, 59 bytes
  (data (i32.const 112) "{\"decision\":\"deny\",\"reason\":\"guard: rm -rf is not allowed\"}")
  ;; $m_nohook @ 192, 19 bytes
  (data (i32.const 192) "guard: no such hook")
  ;; the hook's value @ 512 (128 bytes), the command's @ 768 (256 bytes)

  ;; One request per event, so the heap restarts at its base each time.
  (func (export "aura_alloc") (param $len i32) (result i32)
    (local $need i32)
    (local.set $need
      (i32.shr_u (i32.add (i32.add (global.get $heap_base) (local.get $len)) (i32.const 65535))
                 (i32.const 16)))
    (if (i32.gt_u (local.get $need) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $need) (memory.size))) (i32.const -1))
          (then (return (i32.const 0))))))
    (global.get $heap_base))

  ;; 1 when [a, a+n) and [b, b+n) hold the same bytes.
  (func $same (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $k i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $k)))
                    (i32.load8_u (i32.add (local.get $b) (local.get $k))))
          (then (return (i32.const 0))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; 1 if needle [n, n+nlen) occurs in haystack [h, h+hlen), else 0.
  (func $contains (param $h i32) (param $hlen i32) (param $n i32) (param $nlen i32) (result i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $i) (local.get $nlen)) (local.get $hlen)))
        ;; the first byte inline: a call per request byte is most of an interpreter's cost
        (if (i32.eq (i32.load8_u (i32.add (local.get $h) (local.get $i))) (i32.load8_u (local.get $n)))
          (then
            (if (call $same (i32.add (local.get $h) (local.get $i)) (local.get $n) (local.get $nlen))
              (then (return (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; The string value of the last member whose quoted name is [key, key+klen)
  ;; in the request [p, p+len), unescaped (\n \t \r, else the escaped byte)
  ;; into [out, out+cap-1); the bytes written, or -1 when there is none.
  (func $find_string (param $p i32) (param $len i32) (param $key i32) (param $klen i32)
                     (param $out i32) (param $cap i32) (result i32)
    (local $i i32) (local $j i32) (local $n i32) (local $c i32) (local $found i32)
    (local.set $found (i32.const -1))
    (block $done
      (loop $scan
        (br_if $done (i32.gt_u (i32.add (local.get $i) (local.get $klen)) (local.get $len)))
        (if (if (result i32) (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $i))) (i32.const 0x22))
              (then (call $same (i32.add (local.get $p) (local.get $i)) (local.get $key) (local.get $klen)))
              (else (i32.const 0)))
          (then
            ;; after the name: spaces and the colon, then a string's quote
            (local.set $j (i32.add (local.get $i) (local.get $klen)))
            (block $sep_end
              (loop $sep
                (br_if $sep_end (i32.ge_u (local.get $j) (local.get $len)))
                (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $j))))
                (br_if $sep_end (i32.and (i32.ne (local.get $c) (i32.const 0x20))
                                         (i32.ne (local.get $c) (i32.const 0x3a))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $sep)))
            (if (i32.and (i32.lt_u (local.get $j) (local.get $len))
                         (i32.eq (i32.load8_u (i32.add (local.get $p) (local.get $j))) (i32.const 0x22)))
              (then
                (local.set $n (i32.const 0))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (block $str_end
                  (loop $str
                    (br_if $str_end (i32.ge_u (local.get $j) (local.get $len)))
                    (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $j))))
                    (br_if $str_end (i32.eq (local.get $c) (i32.const 0x22)))
                    (if (i32.and (i32.eq (local.get $c) (i32.const 0x5c))
                                 (i32.lt_u (i32.add (local.get $j) (i32.const 1)) (local.get $len)))
                      (then
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (local.set $c (i32.load8_u (i32.add (local.get $p) (local.get $j))))
                        (if (i32.eq (local.get $c) (i32.const 0x6e)) (then (local.set $c (i32.const 0x0a))))
                        (if (i32.eq (local.get $c) (i32.const 0x74)) (then (local.set $c (i32.const 0x09))))
                        (if (i32.eq (local.get $c) (i32.const 0x72)) (then (local.set $c (i32.const 0x0d))))))
                    (if (i32.lt_u (i32.add (local.get $n) (i32.const 1)) (local.get $cap))
                      (then
                        (i32.store8 (i32.add (local.get $out) (local.get $n)) (local.get $c))
                        (local.set $n (i32.add (local.get $n) (i32.const 1)))))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $str)))
                (local.set $found (local.get $n))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (local.get $found))

  (func $answer (param $p i32) (param $len i32) (result i32)
    (call $output_set (local.get $p) (local.get $len))
    (i32.const 0))

  (func (export "aura_on_event") (param $p i32) (param $len i32) (result i32)
    (local $n i32)
    ;; the handler: "check", the only hook this baseline has
    (local.set $n (call $find_string (local.get $p) (local.get $len) (i32.const 16) (i32.const 6)
                                     (i32.const 512) (i32.const 128)))
    (if (i32.eqz (i32.and (i32.eq (local.get $n) (i32.const 5))
                          (call $same (i32.const 512) (i32.const 48) (i32.const 5))))
      (then
        (call $error_set (i32.const 192) (i32.const 19))
        (return (i32.const 1))))
    (local.set $n (call $find_string (local.get $p) (local.get $len) (i32.const 32) (i32.const 9)
                                     (i32.const 768) (i32.const 256)))
    (if (i32.lt_s (local.get $n) (i32.const 0))
      (then (return (call $answer (i32.const 80) (i32.const 20)))))
    (call $log (i32.const 0) (i32.const 768) (local.get $n))
    (if (call $contains (i32.const 768) (local.get $n) (i32.const 64) (i32.const 6))
      (then (return (call $answer (i32.const 112) (i32.const 59)))))
    (call $answer (i32.const 80) (i32.const 20)))

  (export "aura_abi_v1" (func $answer))
)
