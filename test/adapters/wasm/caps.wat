;; caps.wat - a test plugin that imports every capability host function.
;; It loads only when the plugin's permissions grant all of them.
;;   config   deny with reason = config["greeting"] (a JSON string) or "missing"
;;   storage  storage_set("counter", "\"stored value\"") then deny with what storage_get reads back
;;   http     GET https://api.example.com/status, mutate with patch {"http": <response>}
(module
  (import "aura" "output_set" (func $output_set (param i32 i32)))
  (import "aura" "error_set" (func $error_set (param i32 i32)))
  (import "aura" "config_get" (func $config_get (param i32 i32 i32 i32) (result i32)))
  (import "aura" "storage_get" (func $storage_get (param i32 i32 i32 i32) (result i32)))
  (import "aura" "storage_set" (func $storage_set (param i32 i32 i32 i32) (result i32)))
  (import "aura" "http_request" (func $http_request (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; $k_config @ 16, 15 bytes
  (data (i32.const 16) "\"hook\":\"config\"")
  ;; $k_storage @ 32, 16 bytes
  (data (i32.const 32) "\"hook\":\"storage\"")
  ;; $k_http @ 48, 13 bytes
  (data (i32.const 48) "\"hook\":\"http\"")
  ;; $key_greeting @ 64, 8 bytes
  (data (i32.const 64) "greeting")
  ;; $key_counter @ 80, 7 bytes
  (data (i32.const 80) "counter")
  ;; $val_stored @ 96, 14 bytes
  (data (i32.const 96) "\"stored value\"")
  ;; $pre_deny @ 112, 28 bytes
  (data (i32.const 112) "{\"decision\":\"deny\",\"reason\":")
  ;; $pre_mutate @ 144, 37 bytes
  (data (i32.const 144) "{\"decision\":\"mutate\",\"patch\":{\"http\":")
  ;; $suf1 @ 192, 1 bytes
  (data (i32.const 192) "}")
  ;; $suf2 @ 208, 2 bytes
  (data (i32.const 208) "}}")
  ;; $http_req @ 224, 55 bytes
  (data (i32.const 224) "{\"method\":\"GET\",\"url\":\"https://api.example.com/status\"}")
  ;; $no_value @ 288, 9 bytes
  (data (i32.const 288) "\"missing\"")

  ;; Layout: values read from the host at 1024 (1 KiB), the answer built at
  ;; 2048, the request at 4096 up to the end of memory.
  (func (export "aura_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (i32.add (local.get $len) (i32.const 4096)) (i32.const 65536))
      (then (return (i32.const 0))))
    (i32.const 4096))

  (func $contains (param $h i32) (param $hlen i32) (param $n i32) (param $nlen i32) (result i32)
    (local $i i32) (local $j i32)
    (if (i32.gt_u (local.get $nlen) (local.get $hlen)) (then (return (i32.const 0))))
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
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.le_u (local.get $i) (i32.sub (local.get $hlen) (local.get $nlen)))))
    (i32.const 0))

  ;; output_set(prefix ++ value ++ suffix), assembled at 2048.
  (func $emit (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (param $c i32) (param $clen i32)
              (result i32)
    (memory.copy (i32.const 2048) (local.get $a) (local.get $alen))
    (memory.copy (i32.add (i32.const 2048) (local.get $alen)) (local.get $b) (local.get $blen))
    (memory.copy (i32.add (i32.add (i32.const 2048) (local.get $alen)) (local.get $blen))
                 (local.get $c) (local.get $clen))
    (call $output_set (i32.const 2048)
                      (i32.add (i32.add (local.get $alen) (local.get $blen)) (local.get $clen)))
    (i32.const 0))

  (func (export "aura_on_event") (param $p i32) (param $len i32) (result i32)
    (local $n i32)
    (if (call $contains (local.get $p) (local.get $len) (i32.const 16) (i32.const 15))
      (then
        (local.set $n (call $config_get (i32.const 64) (i32.const 8) (i32.const 1024) (i32.const 1024)))
        (if (i32.lt_s (local.get $n) (i32.const 0))
          (then (return (call $emit (i32.const 112) (i32.const 28) (i32.const 288) (i32.const 9)
                                    (i32.const 192) (i32.const 1)))))
        (if (i32.gt_s (local.get $n) (i32.const 1024)) (then (return (i32.const 6))))
        (return (call $emit (i32.const 112) (i32.const 28) (i32.const 1024) (local.get $n)
                            (i32.const 192) (i32.const 1)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 32) (i32.const 16))
      (then
        (if (call $storage_set (i32.const 80) (i32.const 7) (i32.const 96) (i32.const 14))
          (then (return (i32.const 3))))
        (local.set $n (call $storage_get (i32.const 80) (i32.const 7) (i32.const 1024) (i32.const 1024)))
        (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 4))))
        (return (call $emit (i32.const 112) (i32.const 28) (i32.const 1024) (local.get $n)
                            (i32.const 192) (i32.const 1)))))
    (if (call $contains (local.get $p) (local.get $len) (i32.const 48) (i32.const 13))
      (then
        (local.set $n (call $http_request (i32.const 224) (i32.const 55) (i32.const 1024) (i32.const 1024)))
        (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return (i32.const 5))))
        (if (i32.gt_s (local.get $n) (i32.const 1024)) (then (return (i32.const 6))))
        (return (call $emit (i32.const 144) (i32.const 37) (i32.const 1024) (local.get $n)
                            (i32.const 208) (i32.const 2)))))
    (i32.const 2))

  (export "aura_abi_v1" (memory 0))
)
