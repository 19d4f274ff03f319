package fcm

// InFlight is the number of sends whose goroutine has not ended (for
// tests of Stop).
func (p *Provider) InFlight() int { return p.sends.Active() }
