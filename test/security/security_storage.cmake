# Plugin storage quotas and key rules: bytes, keys, value size, key length and
# depth; keys that would report success without being readable.
aura_add_test(security_storage SOURCES storage_attacks.cpp LIBS Threads::Threads LABELS "security;storage")
