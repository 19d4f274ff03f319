package radattr

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"layeh.com/radius/debug"
	"layeh.com/radius/dictionary"
)

//go:embed builtin.dictionary
var builtinFS embed.FS

// builtinName names the embedded dictionary in errors.
const builtinName = "builtin.dictionary"

// Dictionary knows how to encode each attribute it names. It is read-only
// once built, so one value serves every goroutine.
type Dictionary struct {
	byName map[string]*attribute // by lower-case name: FreeRADIUS names are case-insensitive
}

// attribute is one ATTRIBUTE line and the VALUE names given for it.
type attribute struct {
	name    string // as the dictionary spells it
	code    int    // the attribute number, or the vendor's type
	typ     dictionary.AttributeType
	vendor  *dictionary.Vendor // nil for a standard attribute
	hasTag  bool
	encrypt int    // FreeRADIUS encrypt=N; 0 for none
	size    int    // octets[N]: the fixed length; 0 for none
	tlv     bool   // a sub-attribute (an OID of more than one number)
	source  string // the file that defines it
	values  map[string]uint64
}

// FileError is a dictionary file that cannot be used: unreadable, not in
// FreeRADIUS format, or defining an attribute another dictionary defines
// differently. Index is the file's place in the list given to Load.
type FileError struct {
	Index int
	Path  string
	Line  int // 0 when the problem is not on one line
	Err   error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Builtin is the dictionary of the RFC attributes alone: RFC 2865, 2866,
// 2867, 2869, 3162, 3576, 5176 (from layeh.com/radius/debug) and the
// tunnel attributes of RFC 2868 with the VLAN values of RFC 3580.
// It is built once and shared: a Dictionary is read-only.
func Builtin() *Dictionary { return builtin() }

var builtin = sync.OnceValue(func() *Dictionary {
	d, err := Load(nil)
	if err != nil { // the embedded files are fixed: every test loads them
		panic(err)
	}
	return d
})

// Load builds the built-in dictionary plus the FreeRADIUS-format files at
// paths, in order. $INCLUDE paths are relative to the including file. An
// attribute defined again identically is ignored (a file may include the
// RFC dictionaries); defined differently, it is an error.
func Load(paths []string) (*Dictionary, error) {
	d := &Dictionary{byName: map[string]*attribute{}}
	if err := d.add(debug.IncludedDictionary, "layeh.com/radius/debug"); err != nil {
		return nil, err
	}
	parser := &dictionary.Parser{Opener: embedOpener{}, IgnoreIdenticalAttributes: true}
	builtin, err := parser.ParseFile(builtinName)
	if err != nil {
		return nil, err
	}
	if err := d.add(builtin, builtinName); err != nil {
		return nil, err
	}
	for i, path := range paths {
		if err := d.loadFile(path); err != nil {
			fe := &FileError{Index: i, Path: path, Err: err}
			var pe *dictionary.ParseError
			if errors.As(err, &pe) {
				fe.Line, fe.Err = pe.Line, pe.Inner
				if abs, _ := filepath.Abs(path); pe.File != nil && pe.File.Name() != abs {
					fe.Err = fmt.Errorf("in %s: %w", pe.File.Name(), pe.Inner)
				}
			}
			return nil, fe
		}
	}
	return d, nil
}

func (d *Dictionary) loadFile(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	parser := &dictionary.Parser{Opener: &dictionary.FileSystemOpener{Root: filepath.Dir(abs)},
		IgnoreIdenticalAttributes: true}
	parsed, err := parser.ParseFile(abs)
	if err != nil {
		return err
	}
	return d.add(parsed, path)
}

// add takes in a parsed dictionary's attributes, then their VALUE names.
func (d *Dictionary) add(parsed *dictionary.Dictionary, source string) error {
	for _, a := range parsed.Attributes {
		if err := d.define(a, nil, source); err != nil {
			return err
		}
	}
	for _, v := range parsed.Vendors {
		for _, a := range v.Attributes {
			if err := d.define(a, v, source); err != nil {
				return err
			}
		}
	}
	values := parsed.Values
	for _, v := range parsed.Vendors {
		values = append(values[:len(values):len(values)], v.Values...)
	}
	for _, v := range values {
		a := d.byName[strings.ToLower(v.Attribute)]
		if a == nil {
			return fmt.Errorf("VALUE %s %s: no attribute %s", v.Attribute, v.Name, v.Attribute)
		}
		a.values[strings.ToLower(v.Name)] = v.Number
	}
	return nil
}

// define adds one attribute; the same name again must mean the same thing.
func (d *Dictionary) define(a *dictionary.Attribute, v *dictionary.Vendor, source string) error {
	next := &attribute{name: a.Name, code: a.OID[0], typ: a.Type, vendor: v, hasTag: a.HasTag(),
		tlv: len(a.OID) > 1, source: source, values: map[string]uint64{}}
	if a.FlagEncrypt.Valid {
		next.encrypt = a.FlagEncrypt.Int
	}
	if a.Size.Valid {
		next.size = a.Size.Int
	}
	key := strings.ToLower(a.Name)
	prev, dup := d.byName[key]
	if !dup {
		d.byName[key] = next
		return nil
	}
	if prev.code == next.code && prev.typ == next.typ && vendorID(prev.vendor) == vendorID(next.vendor) &&
		prev.hasTag == next.hasTag && prev.tlv == next.tlv {
		return nil
	}
	return fmt.Errorf("attribute %s is defined differently in %s and %s", a.Name, prev.source, source)
}

func vendorID(v *dictionary.Vendor) int {
	if v == nil {
		return 0
	}
	return v.Number
}

// lookup returns the attribute called name (any case), or nil.
func (d *Dictionary) lookup(name string) *attribute { return d.byName[strings.ToLower(name)] }

// embedOpener opens the embedded dictionaries for dictionary.Parser.
type embedOpener struct{}

func (embedOpener) OpenFile(name string) (dictionary.File, error) {
	f, err := builtinFS.Open(name)
	if err != nil {
		return nil, err
	}
	return namedFile{File: f, name: name}, nil
}

// namedFile is an fs.File with the Name dictionary.File asks for.
type namedFile struct {
	fs.File
	name string
}

func (f namedFile) Name() string { return f.name }
