/* rustant_entry.c - the entry point a Rustant-built native plugin exports
 * (rustant_plugin_create, returning a Rust Box<dyn Plugin>) and nothing of
 * aura's C ABI: aura must refuse it, saying how to port it. The body is never
 * called; it returns null rather than a Rust trait object. */
void* rustant_plugin_create(void);
void* rustant_plugin_create(void) { return (void*)0; }
