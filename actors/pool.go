package actors

import "runtime"

// mailboxThroughput is how many messages an actor handles in one mailbox
// run before it lets others run (protoactor's default).
const mailboxThroughput = 300

// workerPool runs short pieces of work, the actors' mailbox runs and the
// logins' work off the mailbox, on goroutines that outlive them. A piece
// then starts on a stack that has grown already, where a new goroutine
// grows (copies) its stack for every piece: that was 8% of a passcode
// login's CPU. When no worker is idle the piece gets a goroutine of its own,
// so the pool never queues work and never blocks the caller.
//
// It is the actors' protoactor dispatcher (actor.Dispatcher).
type workerPool struct {
	work chan func()
	stop chan struct{}
}

// poolWorkers is how many workers a pool has: 8 per CPU.
func poolWorkers() int { return 8 * runtime.GOMAXPROCS(0) }

// newWorkerPool starts the pool's workers.
func newWorkerPool() *workerPool {
	p := &workerPool{work: make(chan func()), stop: make(chan struct{})}
	for range poolWorkers() {
		go p.worker()
	}
	return p
}

// Schedule runs fn on an idle worker, or else on a new goroutine.
func (p *workerPool) Schedule(fn func()) {
	select {
	case p.work <- fn:
	default:
		go fn()
	}
}

// Throughput is the mailbox throughput of the actors that use the pool.
func (p *workerPool) Throughput() int { return mailboxThroughput }

// close ends the workers once they are idle; later pieces get goroutines
// of their own.
func (p *workerPool) close() { close(p.stop) }

func (p *workerPool) worker() {
	for {
		select {
		case fn := <-p.work:
			fn()
		case <-p.stop:
			return
		}
	}
}
