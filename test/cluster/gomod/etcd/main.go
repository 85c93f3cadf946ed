// Command etcd is the stock etcd server: the same entry point as the etcd
// repository's own main package, built from go.etcd.io/etcd/server/v3 so the
// version can be pinned in go.mod.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
