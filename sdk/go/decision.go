package plugin

import (
	"encoding/json"
	"fmt"
)

// Kind of a decision.
type Kind string

const (
	KindAllow  Kind = "allow"
	KindDeny   Kind = "deny"
	KindMutate Kind = "mutate"
)

// PatchOp is one JSON Patch (RFC 6902) operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	From  string `json:"from,omitempty"`
	Value any    `json:"value,omitempty"`
}

// Decision is what a hook answers: Allow(), Deny(reason), Mutate(patch) or JSONPatch(ops).
type Decision struct {
	Kind        Kind
	Reason      string
	Patch       any    // a merge patch (any JSON) or []PatchOp
	PatchFormat string // "merge" or "json_patch"
	Effects     map[string]any
}

func Allow() Decision             { return Decision{Kind: KindAllow} }
func Deny(reason string) Decision { return Decision{Kind: KindDeny, Reason: reason} }
func Mutate(patch any) Decision {
	return Decision{Kind: KindMutate, Patch: patch, PatchFormat: "merge"}
}
func JSONPatch(ops ...PatchOp) Decision {
	return Decision{Kind: KindMutate, Patch: ops, PatchFormat: "json_patch"}
}

// WithEffect adds a side output; arrays under one key concatenate.
func (d Decision) WithEffect(key string, value any) Decision {
	effects := map[string]any{}
	for k, v := range d.Effects {
		effects[k] = v
	}
	if old, ok := effects[key].([]any); ok {
		if add, ok := value.([]any); ok {
			value = append(append([]any{}, old...), add...)
		}
	}
	effects[key] = value
	d.Effects = effects
	return d
}

// InjectMessage adds {"inject_message":[{"role":role,"content":content}]}.
func (d Decision) InjectMessage(role, content string) Decision {
	return d.WithEffect("inject_message", []any{map[string]any{"role": role, "content": content}})
}

// Validate names what is wrong with a decision, or returns nil.
func (d Decision) Validate() error {
	switch d.Kind {
	case KindAllow:
	case KindDeny:
		if d.Reason == "" {
			return fmt.Errorf("/reason: a deny needs a non-empty reason")
		}
	case KindMutate:
		if d.PatchFormat == "json_patch" {
			ops, ok := d.Patch.([]PatchOp)
			if !ok {
				return fmt.Errorf("/patch: a JSON Patch is a list of operations")
			}
			for i, op := range ops {
				switch op.Op {
				case "add", "replace", "test", "remove":
				case "move", "copy":
					if op.From == "" {
						return fmt.Errorf("/patch/%d: %s needs a \"from\" pointer", i, op.Op)
					}
				default:
					return fmt.Errorf("/patch/%d: \"op\" must be add, remove, replace, move, copy or test (got %q)", i, op.Op)
				}
			}
		} else if d.PatchFormat != "merge" {
			return fmt.Errorf("/patch_format: must be merge or json_patch (got %q)", d.PatchFormat)
		}
	default:
		return fmt.Errorf("/decision: must be allow, deny or mutate (got %q)", d.Kind)
	}
	return nil
}

// Wire is the decision as the protocol sends it.
func (d Decision) Wire() map[string]any {
	out := map[string]any{"decision": string(d.Kind)}
	if d.Kind == KindDeny {
		out["reason"] = d.Reason
	}
	if d.Kind == KindMutate {
		out["patch"] = d.Patch
		out["patch_format"] = d.PatchFormat
		if ops, ok := d.Patch.([]PatchOp); ok { // value is required for add/replace/test even when null
			list := make([]any, len(ops))
			for i, op := range ops {
				m := map[string]any{"op": op.Op, "path": op.Path}
				if op.From != "" {
					m["from"] = op.From
				}
				if op.Op == "add" || op.Op == "replace" || op.Op == "test" {
					m["value"] = op.Value
				}
				list[i] = m
			}
			out["patch"] = list
		}
	}
	if len(d.Effects) > 0 {
		out["effects"] = d.Effects
	}
	return out
}

// Apply returns data after a merge-patch mutation (allow and deny: data unchanged).
// JSON Patch decisions are applied by the host; Apply reports them as unsupported.
func (d Decision) Apply(data any) (any, error) {
	if d.Kind != KindMutate {
		return data, nil
	}
	if d.PatchFormat == "json_patch" {
		return nil, fmt.Errorf("Apply: JSON Patch decisions are applied by the host")
	}
	return MergePatch(normalize(data), normalize(d.Patch)), nil
}

// MergePatch applies an RFC 7396 merge patch to a copy of target.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	out := map[string]any{}
	if t, ok := target.(map[string]any); ok {
		for k, v := range t {
			out[k] = v
		}
	}
	for k, v := range p {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = MergePatch(out[k], v)
		}
	}
	return out
}

// normalize turns any Go value into the generic JSON form (maps, slices, float64...).
func normalize(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}
