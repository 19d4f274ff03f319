package deptest

// module is the import path of pushauth's module.
const module = "github.com/pushauth/pushauth"

// ServerBans are the packages of pushauthd that a client program (pushctl,
// softtoken, pushlogin, pushweb) must not link, and the heavy modules they
// bring: actors, the cluster, the directory, the push providers, the
// server's wiring and its configuration. StoreDriverBans are the rest.
func ServerBans() []Ban {
	return []Ban{
		{module + "/actors", "the login actors are the server's"},
		{module + "/cluster", "cluster membership is the server's"},
		{module + "/directory", "the directory (LDAP) is the server's"},
		{module + "/server", "the server's wiring"},
		{module + "/config", "the server's configuration; a client takes flags"},
		{module + "/providers", "push providers are the server's"},
		{"github.com/asynkron/protoactor-go", "the actor runtime (and gRPC) is the server's"},
		{"go.etcd.io/etcd", "etcd membership is the server's"},
		{"github.com/go-ldap", "the directory (LDAP) is the server's"},
	}
}

// StoreDriverBans are the store's drivers: the SQLite and PostgreSQL code
// and their modules.
func StoreDriverBans() []Ban {
	return []Ban{
		{module + "/store/sqlite", "the store's SQLite driver is the server's"},
		{module + "/store/postgres", "the store's PostgreSQL driver is the server's"},
		{"modernc.org/sqlite", "SQLite is the server's store"},
		{"github.com/jackc/pgx", "PostgreSQL is the server's store"},
	}
}
