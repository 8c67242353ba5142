package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// The addresses the staff changed (State.Email), read apart from the state: the daemon holds
// them in the campaign, so that a reply from a new address is tied to its invitee.

// ChangedAddresses returns every changed address: invitee code -> the address that holds now.
func (tx *Tx) ChangedAddresses() (map[string]string, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT code, email FROM invitees WHERE email <> ''`)
	if err != nil {
		return nil, fmt.Errorf("read changed addresses: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, addr string
		if err := rows.Scan(&code, &addr); err != nil {
			return nil, fmt.Errorf("read changed addresses: %w", err)
		}
		out[code] = addr
	}
	return out, rows.Err()
}

// AddressVersion is the id of the latest "address" event (0 for none): it grows with every
// change of address, made by this process or another on the same store (`rsvpd address`
// while the daemon runs), so that a reader knows when to read the addresses again.
func (tx *Tx) AddressVersion() (int64, error) {
	var id sql.NullInt64
	if err := tx.tx.QueryRowContext(tx.ctx, `SELECT MAX(id) FROM events WHERE kind = 'address'`).Scan(&id); err != nil {
		return 0, fmt.Errorf("read the latest change of address: %w", err)
	}
	return id.Int64, nil
}

// InviteeWithAddress returns the code of the invitee whose changed address is addr;
// ErrNotFound when none has it (the list's addresses are not in the store).
func (tx *Tx) InviteeWithAddress(addr string) (string, error) {
	var code string
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT code FROM invitees WHERE email = ? AND email <> '' LIMIT 1`, addr).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("address %s: %w", addr, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("read the invitee with address %s: %w", addr, err)
	}
	return code, nil
}
