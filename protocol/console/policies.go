package console

// policyRoutes serves the admin's Policies and Clients pages.
func (c *Console) policyRoutes() {}
