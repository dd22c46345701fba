package connect

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"

	//lint:ignore SA1019 NTLM is defined over MD4; the simulator has to speak it.
	"golang.org/x/crypto/md4"
)

// NTLM message types and the flags the challenge offers: Unicode, NTLM,
// target info, extended session security; no LM key, no key exchange.
const (
	ntlmNegotiate    = 1
	ntlmChallenge    = 2
	ntlmAuthenticate = 3
	challengeFlags   = 1<<0 | 1<<2 | 1<<9 | 1<<19 | 1<<23
	ntlmDomain       = "CONNECTSIM"
)

var ntlmSignature = []byte("NTLMSSP\x00")

func ntlmType(msg []byte) int {
	if len(msg) < 12 || !bytes.Equal(msg[:8], ntlmSignature) {
		return 0
	}
	return int(binary.LittleEndian.Uint32(msg[8:12]))
}

// challengeMessage builds an NTLM CHALLENGE message with a fresh server
// challenge.
func challengeMessage() (msg, serverChallenge []byte) {
	serverChallenge = make([]byte, 8)
	_, _ = rand.Read(serverChallenge)
	target := utf16le(ntlmDomain)
	var info bytes.Buffer
	av := func(id uint16, v []byte) {
		_ = binary.Write(&info, binary.LittleEndian, id)
		_ = binary.Write(&info, binary.LittleEndian, uint16(len(v)))
		info.Write(v)
	}
	av(2, target) // MsvAvNbDomainName
	av(1, utf16le("CONNECT"))
	av(0, nil)
	const header = 48
	var b bytes.Buffer
	b.Write(ntlmSignature)
	_ = binary.Write(&b, binary.LittleEndian, uint32(ntlmChallenge))
	field := func(l, off int) {
		_ = binary.Write(&b, binary.LittleEndian, uint16(l))
		_ = binary.Write(&b, binary.LittleEndian, uint16(l))
		_ = binary.Write(&b, binary.LittleEndian, uint32(off))
	}
	field(len(target), header)
	_ = binary.Write(&b, binary.LittleEndian, uint32(challengeFlags))
	b.Write(serverChallenge)
	b.Write(make([]byte, 8))
	field(info.Len(), header+len(target))
	b.Write(target)
	b.Write(info.Bytes())
	return b.Bytes(), serverChallenge
}

type authenticateMessage struct {
	user, domain string
	ntResponse   []byte
}

func parseAuthenticate(msg []byte) (authenticateMessage, error) {
	var m authenticateMessage
	if ntlmType(msg) != ntlmAuthenticate || len(msg) < 64 {
		return m, errors.New("not an NTLM AUTHENTICATE message")
	}
	field := func(at int) ([]byte, error) {
		l := int(binary.LittleEndian.Uint16(msg[at:]))
		off := int(binary.LittleEndian.Uint32(msg[at+4:]))
		if off < 0 || l < 0 || off+l > len(msg) {
			return nil, errors.New("NTLM field out of range")
		}
		return msg[off : off+l], nil
	}
	nt, err := field(20)
	if err != nil {
		return m, err
	}
	dom, err := field(28)
	if err != nil {
		return m, err
	}
	usr, err := field(36)
	if err != nil {
		return m, err
	}
	m.ntResponse, m.domain, m.user = nt, fromUTF16le(dom), fromUTF16le(usr)
	return m, nil
}

// verifyNTLMv2 checks an NTLMv2 response against the password.
func verifyNTLMv2(m authenticateMessage, password string, serverChallenge []byte) bool {
	if len(m.ntResponse) < 16+28 {
		return false
	}
	h := md4.New()
	h.Write(utf16le(password))
	ntowf := hmacMD5(h.Sum(nil), utf16le(strings.ToUpper(m.user)+m.domain))
	proof := hmacMD5(ntowf, serverChallenge, m.ntResponse[16:])
	return hmac.Equal(proof, m.ntResponse[:16])
}

func hmacMD5(key []byte, data ...[]byte) []byte {
	mac := hmac.New(md5.New, key)
	for _, d := range data {
		mac.Write(d)
	}
	return mac.Sum(nil)
}

func utf16le(s string) []byte {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, r := range u {
		binary.LittleEndian.PutUint16(b[2*i:], r)
	}
	return b
}

func fromUTF16le(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}
