package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Position is where something is written in the config file: a 1-based
// line and column. The zero Position means unknown (a value from the
// environment, a default, or a file without that key).
type Position struct {
	Line, Column int
}

// positions maps full key paths ("radius.clients[1].secret") to where
// their key (for a list item: the item) is written.
type positions map[string]Position

// parsePositions parses data as YAML and indexes where every key is. A
// syntax error comes back as a FieldError carrying the line YAML named.
func parsePositions(name string, data []byte) (positions, *FieldError) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		fe := yamlError(name, err)
		return nil, &fe
	}
	pos := positions{}
	pos.index(&root, "")
	return pos, nil
}

// index records the position of every key and list item under n.
func (p positions) index(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			p.index(c, path)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			full := join(path, k.Value)
			if _, seen := p[full]; !seen {
				p[full] = Position{Line: k.Line, Column: k.Column}
			}
			p.index(v, full)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			full := fmt.Sprintf("%s[%d]", path, i)
			p[full] = Position{Line: c.Line, Column: c.Column}
			p.index(c, full)
		}
	}
}

// at returns where key is written, or, when it is not (a required key
// that is missing), where its nearest written parent is.
func (p positions) at(key string) Position {
	for key != "" {
		if pos, ok := p[key]; ok {
			return pos
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return Position{}
}

// yamlLine finds the line a YAML library error names ("yaml: line 3: ...",
// or "line 3: mapping key ... already defined").
var (
	yamlLine       = regexp.MustCompile(`line (\d+)`)
	yamlLinePrefix = regexp.MustCompile(`^\s*line \d+: `)
)

// yamlError turns a YAML parse error into a FieldError with its line and a
// message without the library's "yaml: line N:" prefixes.
func yamlError(name string, err error) FieldError {
	msg := err.Error()
	fe := FieldError{File: name}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		fe.Line, _ = strconv.Atoi(m[1])
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n")
	msg = strings.TrimSpace(yamlLinePrefix.ReplaceAllString(msg, ""))
	msg = strings.ReplaceAll(msg, "\n", "; ")
	fe.Msg = "invalid YAML: " + msg
	return fe
}
