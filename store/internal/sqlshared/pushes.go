package sqlshared

// The push statements both drivers run (PostgreSQL's rebound by Dollar).
const (
	// SuspendPush's values: username, until, reason.
	SuspendPush = `INSERT INTO push_suspensions (username, until, reason) VALUES (?, ?, ?)
		ON CONFLICT (username) DO UPDATE SET until = excluded.until, reason = excluded.reason`
	PushSuspension = `SELECT until, reason FROM push_suspensions WHERE username = ?`
	PushesSince    = `SELECT count(*) FROM pushes WHERE username = ? AND at >= ?`
	InsertPush     = `INSERT INTO pushes (username, at) VALUES (?, ?)`
)
