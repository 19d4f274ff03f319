package actorstest

import "github.com/pushauth/pushauth/store"

// OATHSeed is the seed of OATHToken: RFC 4226's test seed, whose first
// HOTP value is 755224.
var OATHSeed = []byte("12345678901234567890")

// AddUser keeps user name with id, the password hash and the tokens,
// whose ids (id*100 + i) and user ids it sets.
func (s *Store) AddUser(id int64, name, hash string, tokens ...store.Token) *store.User {
	u := &store.User{ID: id, Name: name, PasswordHash: hash}
	s.Mu.Lock()
	defer s.Mu.Unlock()
	s.Users[name] = u
	for i := range tokens {
		tokens[i].ID = id*100 + int64(i)
		tokens[i].UserID = u.ID
	}
	s.Tokens[u.ID] = tokens
	return u
}

// PhoneToken is a soft token on a poll-mode phone with device id deviceID.
func PhoneToken(deviceID string) store.Token {
	return store.Token{Serial: "SOFT-" + deviceID, Type: store.TokenSoftToken, PushOn: true,
		Device: &store.Device{ID: deviceID, PushKind: store.PushPoll}}
}

// OATHToken is an HOTP token (6 digits) with OATHSeed, no step used yet.
func OATHToken() store.Token {
	return store.Token{Serial: "OATH-1", Type: store.TokenOATH, Algorithm: store.OTPHOTP, Digits: 6,
		Seed: OATHSeed, LastStep: -1}
}
