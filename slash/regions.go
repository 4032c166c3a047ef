package slash

import "regexp"

// regionCode matches the form of AWS Region codes: a 2-4 letter area, up to
// two further parts (gov, iso, isob, de, ...), a compass direction and a
// number: us-west-2, us-gov-west-1, us-isob-east-1, eusc-de-east-1.
var regionCode = regexp.MustCompile(`^[a-z]{2,4}(?:-[a-z]{2,5}){0,2}-(?:east|west|north|south|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$`)

// ValidRegionCode reports whether s has the form of an AWS Region code, such
// as us-west-2, eu-central-1, us-gov-west-1, cn-north-1, ap-southeast-5 or
// il-central-1. It checks the form only (lower case), so Regions launched
// after this list was written are accepted.
func ValidRegionCode(s string) bool {
	return len(s) <= 32 && regionCode.MatchString(s)
}

// knownRegions are the Region codes suggested for a mistyped one.
var knownRegions = []string{
	"af-south-1",
	"ap-east-1", "ap-east-2",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
	"ap-southeast-5", "ap-southeast-6", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"cn-north-1", "cn-northwest-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"eusc-de-east-1",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2",
	"us-gov-east-1", "us-gov-west-1",
	"us-west-1", "us-west-2",
	"us-iso-east-1", "us-iso-west-1",
	"us-isob-east-1",
	"eu-isoe-west-1",
	"us-isof-east-1", "us-isof-south-1",
}
