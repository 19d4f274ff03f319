package console

// nowRoutes serves the Now page: logins in flight, providers, members
// and the last hour's charts.
func (c *Console) nowRoutes() {}
