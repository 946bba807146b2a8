namespace Glimpse.Demo.Scenes;

/// <summary>The shapes a scene is drawn with.</summary>
public enum ShapeKind { Circle, Square, Triangle, Star, Cross }

public static class ShapeNames
{
    public static IReadOnlyList<ShapeKind> All { get; } = Enum.GetValues<ShapeKind>();

    public static string Name(this ShapeKind shape) => shape switch
    {
        ShapeKind.Circle => "circle",
        ShapeKind.Square => "square",
        ShapeKind.Triangle => "triangle",
        ShapeKind.Star => "star",
        ShapeKind.Cross => "cross",
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, null),
    };

    public static string Plural(this ShapeKind shape) => shape == ShapeKind.Cross ? "crosses" : shape.Name() + "s";
}
