namespace Glimpse.Demo.Scenes;

/// <summary>One object: a filled shape centred at (X, Y) in pixels, inside the circle of <see cref="Radius"/>.</summary>
public sealed record SceneObject(ShapeKind Shape, ObjectColor Color, Rgb Paint, double X, double Y, double Radius, double RotationDegrees)
{
    /// <summary>"red circle": how questions and answers name the object (colour and shape are unique within a scene).</summary>
    public string Description => $"{Color.Name()} {Shape.Name()}";
}

/// <summary>A thin grey background stroke: clutter that belongs to no object and never overlaps one's mask.</summary>
public sealed record ClutterStroke(double X1, double Y1, double X2, double Y2, double Width, byte Gray);

/// <summary>
/// A picture: background colour, background clutter drawn first, then objects, each inside its own cell of the
/// <paramref name="CellSize"/> grid.
/// </summary>
public sealed record Scene(int Width, int Height, int CellSize, Rgb Background, IReadOnlyList<ClutterStroke> Clutter, IReadOnlyList<SceneObject> Objects);
