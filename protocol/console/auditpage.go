package console

// auditRoutes serves the audit page's filters, live tail and login detail.
func (c *Console) auditRoutes() {}
