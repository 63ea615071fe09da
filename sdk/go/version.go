package plugin

import (
	"fmt"
	"strconv"
	"strings"
)

// SDKVersion is the aura SDK version this package is written for; ProtocolVersion the wire protocol.
const (
	SDKVersion      = "0.1.0"
	ProtocolVersion = 1
)

// ParseVersion reads MAJOR.MINOR.PATCH, ignoring a -pre or +build suffix.
func ParseVersion(v string) ([3]int, error) {
	var out [3]int
	core := v
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return out, fmt.Errorf("version %q is not MAJOR.MINOR.PATCH", v)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" {
			return out, fmt.Errorf("version %q: part %d (%q) is not a number", v, i+1, p)
		}
		out[i] = n
	}
	return out, nil
}

// CheckHostVersion applies the protocol's version rule (a tilde range, ~plugin):
// the host serves a plugin written for `plugin` when MAJOR and MINOR are the
// same and the plugin's PATCH is not newer than the host's.
func CheckHostVersion(host, plugin string) error {
	h, err := ParseVersion(host)
	if err != nil {
		return fmt.Errorf("host SDK: %w", err)
	}
	p, err := ParseVersion(plugin)
	if err != nil {
		return fmt.Errorf("plugin SDK: %w", err)
	}
	if h[0] != p[0] || h[1] != p[1] || p[2] > h[2] {
		return fmt.Errorf("version_mismatch: the plugin is written for SDK %s (~%s), the host is %s", plugin, plugin, host)
	}
	return nil
}
