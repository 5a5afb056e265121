"""Offscreen rendering of SMPL meshes, without Qt.

- `context`: picks the offscreen GL backend (`configure_gl`, once at start-up) and owns one GL context.
- `cameras`, `lights`: the frozen values a render is given (pinhole or orbit camera with the image size;
  directional lights in the camera frame and an ambient level).
- `renderer`: `MeshRenderer`, one mesh topology and its cached GL objects; every call takes the vertices,
  the camera and the lights, so no call depends on an earlier one.
- `rasterizers`: our one-draw-call GL shaders (part labels, lit bodies) that `MeshRenderer` draws with.
- `normals`: vertex normals of a posed mesh.
- `overlay`: pictures of a prediction (the mesh over the photo, parts over the image) and the alpha blends.
"""
