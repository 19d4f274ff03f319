package main

import "testing"

func TestClusterFlagsCheck(t *testing.T) {
	for _, tc := range []struct {
		c  clusterFlags
		ok bool
	}{
		{clusterFlags{nodes: 1}, true},
		{clusterFlags{nodes: 1, storeDSN: "postgres://x"}, true},
		{clusterFlags{nodes: 3, etcd: "http://e:1", storeDSN: "postgres://x"}, true},
		{clusterFlags{nodes: 3, storeDSN: "postgres://x"}, false},
		{clusterFlags{nodes: 3, etcd: "http://e:1"}, false},
		{clusterFlags{nodes: 0}, false},
	} {
		if err := tc.c.check(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.c, err)
		}
	}
	if l := (&clusterFlags{nodes: 3, etcd: "http://e:1", storeDSN: "x"}).label(); l == "" {
		t.Error("empty label")
	}
}
