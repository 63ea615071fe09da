//! The guard example's program: the plugin the manifest starts (cargo build --example guard).
mod plugin;

fn main() {
    plugin::plugin().main()
}
