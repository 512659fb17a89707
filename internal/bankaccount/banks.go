package bankaccount

// Bank names for display only. The tables are deliberately partial: an
// unknown code is not an error, since the registries change without us.
var bankNames = map[string]map[string]string{
	"MX": { // Banxico participant codes, the first three CLABE digits
		"002": "Banamex",
		"012": "BBVA México",
		"014": "Santander",
		"021": "HSBC",
		"030": "BanBajío",
		"032": "IXE",
		"036": "Inbursa",
		"044": "Scotiabank",
		"058": "Banregio",
		"072": "Banorte",
		"127": "Banco Azteca",
		"137": "BanCoppel",
		"646": "STP",
	},
	"CO": { // ACH Colombia entity codes
		"1001": "Banco de Bogotá",
		"1007": "Bancolombia",
		"1013": "BBVA Colombia",
		"1051": "Davivienda",
	},
}

// BankName returns the display name of a bank code in country, if known.
func BankName(country, code string) (string, bool) {
	name, ok := bankNames[country][code]
	return name, ok
}
