namespace Glimpse.Demo.Scenes;

/// <summary>The colour names a scene's objects are painted in.</summary>
public enum ObjectColor { Red, Green, Blue, Yellow, Purple }

/// <summary>An 8-bit RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B);

public static class ObjectColors
{
    public static IReadOnlyList<ObjectColor> All { get; } = Enum.GetValues<ObjectColor>();

    public static string Name(this ObjectColor color) => color.ToString().ToLowerInvariant();

    /// <summary>The nominal paint; each object is jittered around it so colour is learnt, not matched exactly.</summary>
    public static Rgb Nominal(this ObjectColor color) => color switch
    {
        ObjectColor.Red => new(220, 50, 47),
        ObjectColor.Green => new(46, 160, 67),
        ObjectColor.Blue => new(40, 90, 220),
        ObjectColor.Yellow => new(238, 200, 30),
        ObjectColor.Purple => new(145, 65, 185),
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, null),
    };
}
