package config

import (
	"errors"
	"fmt"

	"github.com/pushauth/pushauth/protocol/radius/radattr"
)

// dictionaries decodes `radius.dictionaries`, a list of FreeRADIUS-format
// dictionary files, and loads them with the built-in RFC dictionary, so
// that a file that is missing or not in that format stops the start and
// --check-config at its list entry (naming the line of the file at
// fault). Nothing is loaded when there are errors.
func (d *decoder) dictionaries(v any, path string) ([]string, *radattr.Dictionary) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		d.errorf(path, "must be a list of dictionary file paths, got %s", typeName(v))
		return nil, nil
	}
	paths := make([]string, 0, len(list))
	for i, item := range list {
		s, isStr := item.(string)
		if !isStr || s == "" {
			d.errorf(fmt.Sprintf("%s[%d]", path, i), "must be the path of a dictionary file, got %s", display(item))
			return nil, nil
		}
		paths = append(paths, s)
	}
	dict, err := radattr.Load(paths)
	var fe *radattr.FileError
	switch {
	case errors.As(err, &fe):
		d.errorf(fmt.Sprintf("%s[%d]", path, fe.Index), "cannot use the dictionary: %v", fe)
		return nil, nil
	case err != nil:
		d.errorf(path, "cannot load the dictionaries: %v", err)
		return nil, nil
	}
	return paths, dict
}
