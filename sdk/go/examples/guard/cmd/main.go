// The guard example's program: the plugin the manifest starts.
package main

import "aura.dev/plugin/examples/guard"

func main() { guard.Plugin().Main() }
