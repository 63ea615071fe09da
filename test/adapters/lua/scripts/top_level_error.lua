local x = 1
error("refusing to load")
