module turn-tracker

go 1.25
