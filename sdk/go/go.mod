module aura.dev/plugin

go 1.19
