aura.log("loading")
function h(event, ctx) return aura.allow() end
