package console

// actionRoutes serves the changes an operator makes on a user's page
// (tokens, unlock, bypass codes, policy, delete).
func (c *Console) actionRoutes() {}
