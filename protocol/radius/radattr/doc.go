// Package radattr turns a policy's reply attributes — "Name: value"
// lines such as "Class: OU=VPN-Admins;" or "Fortinet-Group-Name: admins"
// — into RADIUS attributes for the Access-Accept, so that a gateway can
// pick the user's group, VLAN or admin level.
//
// Names come from FreeRADIUS-format dictionaries, parsed with
// layeh.com/radius/dictionary: the RFC attributes are built in (Builtin)
// and vendor dictionaries are loaded from files (Load). Encode is the one
// validator: the admin API, --check-config and every login use it, so an
// unknown name, a value of the wrong type or a set of attributes too large
// for a RADIUS packet is refused when it is written or checked, never
// first at login time. The encoded bytes are wire-format attributes that
// any reply path (PAP, EAP, RadSec) appends with AddTo.
package radattr
