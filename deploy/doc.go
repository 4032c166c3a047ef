// Package deploy holds the bot's deployment files; its test checks them against the code.
package deploy
