package demo

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	rsvpd "github.com/rsvpd/rsvpd"
	"github.com/rsvpd/rsvpd/config"
)

// configSource is the configuration the demo runs, as text, with the files it names.
type configSource struct {
	data []byte
	fsys fs.FS  // where the invitee list named in data is read from
	dir  string // the directory relative paths of the original point into; "" for the example
}

// loadConfig loads the named configuration, or the embedded example when file is "". Paths
// the configuration writes (the store) are relative to dir.
func loadConfig(file, dir string) (*config.Config, configSource, error) {
	if file == "" {
		fsys := rsvpd.ExampleFS()
		data, err := fs.ReadFile(fsys, rsvpd.ExampleConfig)
		if err != nil {
			return nil, configSource{}, fmt.Errorf("demo: the embedded example: %w", err)
		}
		cfg, err := config.LoadFS(fsys, rsvpd.ExampleConfig, dir)
		if err != nil {
			return nil, configSource{}, fmt.Errorf("demo: the embedded example: %w", err)
		}
		return cfg, configSource{data: data, fsys: fsys}, nil
	}
	cfg, err := config.Load(file)
	if err != nil {
		return nil, configSource{}, err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, configSource{}, fmt.Errorf("demo: %w", err)
	}
	abs, err := filepath.Abs(filepath.Dir(file))
	if err != nil {
		return nil, configSource{}, fmt.Errorf("demo: %w", err)
	}
	return cfg, configSource{data: data, fsys: os.DirFS(abs), dir: abs}, nil
}

// writeConfig writes rsvpd.yaml into dir: the campaign's configuration (comments kept) with
// the store and the secret in dir, the invitee list copied beside it and a templates folder
// made absolute, so that `rsvpd status --config` (and any other command) reads the demo's
// store. It returns the file's path.
func writeConfig(src configSource, dir, storePath string) (string, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src.data, &doc); err != nil || len(doc.Content) == 0 {
		return "", fmt.Errorf("demo: read the configuration to rewrite: %v", err)
	}
	root := doc.Content[0]
	setScalar(root, storePath, "store", "path")
	setMapping(root, "secret", "file", filepath.Join(dir, "secret"))
	if n := find(root, "invitees", "file"); n != nil && n.Value != "" {
		data, err := fs.ReadFile(src.fsys, path.Clean(filepath.ToSlash(n.Value)))
		if err != nil {
			return "", fmt.Errorf("demo: copy the invitee list %s: %w", n.Value, err)
		}
		base := path.Base(filepath.ToSlash(n.Value))
		if err := os.WriteFile(filepath.Join(dir, base), data, 0o644); err != nil {
			return "", fmt.Errorf("demo: copy the invitee list: %w", err)
		}
		n.Value = base
	}
	if n := find(root, "templates"); n != nil && n.Value != "" && !filepath.IsAbs(n.Value) && src.dir != "" {
		n.Value = filepath.Join(src.dir, n.Value)
	}
	var b bytes.Buffer
	b.WriteString("# Written by `rsvpd demo`: the campaign it ran, with the store of the demo.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return "", fmt.Errorf("demo: write the configuration: %w", err)
	}
	p := filepath.Join(dir, "rsvpd.yaml")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("demo: write the configuration: %w", err)
	}
	return p, nil
}

// find walks mapping keys from n; nil when a key is missing.
func find(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// setScalar sets the scalar at a key path, making the last mapping levels when missing.
func setScalar(root *yaml.Node, value string, keys ...string) {
	parent := root
	for _, k := range keys[:len(keys)-1] {
		next := find(parent, k)
		if next == nil || next.Kind != yaml.MappingNode {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			putKey(parent, k, next)
		}
		parent = next
	}
	putKey(parent, keys[len(keys)-1], &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

// setMapping replaces the mapping at key with one holding only field: value.
func setMapping(root *yaml.Node, key, field, value string) {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: field},
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: value},
	}}
	putKey(root, key, m)
}

// putKey sets key to v in mapping m, keeping the comments of a node it replaces.
func putKey(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			old := m.Content[i+1]
			v.HeadComment, v.LineComment, v.FootComment = old.HeadComment, old.LineComment, old.FootComment
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}
