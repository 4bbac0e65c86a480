package patch

// JSON merge patch, RFC 7386: the patch is a partial document. An object
// merges into the target member by member, a null member deletes the
// target's member, and anything else (lists included) replaces the target's
// value whole.

func applyMergePatch(o objectInfo, patchBytes []byte) (any, error) {
	target, err := o.decodeOriginal()
	if err != nil {
		return nil, err
	}
	p, err := decodeJSON(patchBytes)
	if err != nil {
		return nil, badPatch("merge patch", "%v", err)
	}
	return mergePatch(target, p), nil
}

// mergePatch applies patch to target (which it may modify) and returns the
// result: RFC 7386 section 2.
func mergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, pv := range pm {
		if pv == nil {
			delete(tm, k)
			continue
		}
		tm[k] = mergePatch(tm[k], pv)
	}
	return tm
}
