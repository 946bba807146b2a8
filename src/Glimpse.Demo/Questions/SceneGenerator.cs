using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Questions;

/// <summary>
/// Deterministic grounded VQA: a seed gives one scene and one question about it, built with a
/// <see cref="System.Random"/> of that seed alone (stable across .NET versions), so the same seed gives the same
/// bytes. Within a scene every object has its own colour-and-shape pair, so "the red circle" always names one object.
/// Each question kind builds its scene around what it asks (a count question picks the count first), which keeps the
/// answers balanced instead of leaving them to chance.
/// </summary>
public sealed class SceneGenerator
{
    private static readonly (ShapeKind Shape, ObjectColor Color)[] AllPairs =
        ShapeNames.All.SelectMany(s => ObjectColors.All.Select(c => (s, c))).ToArray();

    /// <summary>How many objects a scene can hold at most: one of each colour-and-shape pair.</summary>
    public static int DistinctObjects => AllPairs.Length;

    public SceneOptions Options { get; }

    public SceneGenerator(SceneOptions? options = null)
    {
        Options = options ?? new SceneOptions();
        Options.Validate();
    }

    /// <summary>An item of a kind chosen by the seed (uniformly over the kinds).</summary>
    public GroundedItem Generate(int seed)
    {
        var rng = new Random(seed);
        return Generate(rng, seed, QuestionKinds.All[rng.Next(QuestionKinds.All.Count)]);
    }

    /// <summary>An item of the given kind. The same seed with another kind gives another scene.</summary>
    public GroundedItem Generate(int seed, QuestionKind kind) => Generate(new Random(seed), seed, kind);

    private GroundedItem Generate(Random rng, int seed, QuestionKind kind) => kind switch
    {
        QuestionKind.Color => ColorItem(rng, seed),
        QuestionKind.Shape => ShapeItem(rng, seed),
        QuestionKind.Relation => RelationItem(rng, seed),
        QuestionKind.Count => CountItem(rng, seed),
        QuestionKind.Exist => ExistItem(rng, seed),
        QuestionKind.Describe => DescribeItem(rng, seed),
        QuestionKind.ColorGroup => ColorGroupItem(rng, seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private GroundedItem ColorItem(Random rng, int seed)
    {
        var target = Pick(rng, AllPairs);
        var specs = Fill(rng, [target], rng.Next(1, Options.MaxObjects + 1), p => p.Shape != target.Shape);
        var scene = Compose(rng, specs);
        return new GroundedItem(seed, scene, SceneQuestions.Color(scene, IndexOf(scene, target)));
    }

    private GroundedItem ShapeItem(Random rng, int seed)
    {
        var target = Pick(rng, AllPairs);
        var specs = Fill(rng, [target], rng.Next(1, Options.MaxObjects + 1), p => p.Color != target.Color);
        var scene = Compose(rng, specs);
        return new GroundedItem(seed, scene, SceneQuestions.Shape(scene, IndexOf(scene, target)));
    }

    private GroundedItem CountItem(Random rng, int seed)
    {
        var shape = Pick(rng, ShapeNames.All);
        // Counts 0–4 (four only where the scene may hold four objects), zero as often as the others.
        int count = rng.Next(0, Options.MaxObjects + 1);
        var counted = Fill(rng, [], count, p => p.Shape == shape);
        var specs = Fill(rng, counted, rng.Next(Math.Max(count, 1), Options.MaxObjects + 1), p => p.Shape != shape);
        var scene = Compose(rng, specs);
        return new GroundedItem(seed, scene, SceneQuestions.Count(scene, shape));
    }

    private GroundedItem ExistItem(Random rng, int seed)
    {
        var asked = Pick(rng, AllPairs);
        bool present = rng.Next(2) == 0;
        int total = rng.Next(1, Options.MaxObjects + 1);
        var specs = new List<(ShapeKind Shape, ObjectColor Color)>();
        if (present) specs.Add(asked);
        // Most other objects share the asked colour or shape, so "no" cannot be read off one attribute alone.
        while (specs.Count < total)
        {
            bool distractor = rng.NextDouble() < 0.6;
            specs = Fill(rng, specs, specs.Count + 1,
                p => p != asked && (!distractor || p.Shape == asked.Shape || p.Color == asked.Color));
        }
        var scene = Compose(rng, specs);
        return new GroundedItem(seed, scene, SceneQuestions.Exist(scene, asked.Color, asked.Shape));
    }

    private GroundedItem DescribeItem(Random rng, int seed)
    {
        var scene = Compose(rng, Fill(rng, [], rng.Next(1, Options.MaxObjects + 1), _ => true));
        return new GroundedItem(seed, scene, SceneQuestions.Describe(scene));
    }

    /// <summary>Half the scenes hold one object of the asked colour, half two or more (up to the object limit).</summary>
    private GroundedItem ColorGroupItem(Random rng, int seed)
    {
        var color = Pick(rng, ObjectColors.All);
        int asked = rng.Next(2) == 0 ? 1 : rng.Next(2, Options.MaxObjects + 1);
        var group = Fill(rng, [], asked, p => p.Color == color);
        var specs = Fill(rng, group, rng.Next(asked, Options.MaxObjects + 1), p => p.Color != color);
        var scene = Compose(rng, specs);
        return new GroundedItem(seed, scene, SceneQuestions.ColorGroup(scene, color));
    }

    private GroundedItem RelationItem(Random rng, int seed)
    {
        var relation = Pick(rng, Enum.GetValues<SpatialRelation>());
        while (true)
        {
            var scene = Compose(rng, Fill(rng, [], rng.Next(2, Options.MaxObjects + 1), _ => true));
            var questions = Enumerable.Range(0, scene.Objects.Count)
                .Select(anchor => SceneQuestions.Relation(scene, anchor, relation))
                .OfType<SceneQuestion>()
                .ToList();
            if (questions.Count > 0) return new GroundedItem(seed, scene, questions[rng.Next(questions.Count)]);
        }
    }

    /// <summary>
    /// A scene of <paramref name="objects"/> objects with distinct colour-and-shape pairs and no question, up to one in
    /// every cell: the vision warm-up of training reads shapes and colours off these, many objects to an image.
    /// </summary>
    public Scene Crowded(int seed, int objects)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(objects, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(objects, Math.Min(Options.Columns * Options.Rows, AllPairs.Length));
        var rng = new Random(seed);
        return Compose(rng, Fill(rng, [], objects, _ => true));
    }

    /// <summary>
    /// More questions about the item's scene, of kinds drawn by <paramref name="pickKind"/> (uniformly when null; a kind
    /// the scene cannot support is drawn again): training asks several per image, so the image is encoded once for
    /// several answers.
    /// </summary>
    public static IReadOnlyList<SceneQuestion> FollowUps(Scene scene, int count, Random rng, Func<Random, QuestionKind>? pickKind = null)
    {
        pickKind ??= r => QuestionKinds.All[r.Next(QuestionKinds.All.Count)];
        var questions = new List<SceneQuestion>(count);
        for (int attempt = 0; questions.Count < count; attempt++)
        {
            // Counting fits every scene, so a picker that keeps drawing kinds this scene lacks falls back to it.
            var kind = attempt < 100 * count ? pickKind(rng) : QuestionKind.Count;
            if (SceneQuestions.Random(scene, kind, rng) is { } question) questions.Add(question);
        }
        return questions;
    }

    /// <summary>Adds random colour-and-shape pairs allowed by <paramref name="allowed"/>, never one already present, up to <paramref name="total"/>.</summary>
    private static List<(ShapeKind Shape, ObjectColor Color)> Fill(Random rng, List<(ShapeKind Shape, ObjectColor Color)> chosen, int total,
        Func<(ShapeKind Shape, ObjectColor Color), bool> allowed)
    {
        var result = new List<(ShapeKind Shape, ObjectColor Color)>(chosen);
        while (result.Count < total)
            result.Add(Pick(rng, AllPairs.Where(p => allowed(p) && !result.Contains(p)).ToArray()));
        return result;
    }

    /// <summary>Shuffles the objects (so the asked-about one is not always placed first), places them, adds background and clutter.</summary>
    private Scene Compose(Random rng, List<(ShapeKind Shape, ObjectColor Color)> specs)
    {
        for (int i = specs.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (specs[i], specs[j]) = (specs[j], specs[i]);
        }
        var objects = Place(rng, specs);
        int w = Options.Width, h = Options.Height;
        int gray = rng.Next(222, 250);
        var background = new Rgb(Jitter(rng, gray, 6), Jitter(rng, gray, 6), Jitter(rng, gray, 6));
        var clutter = new List<ClutterStroke>();
        if (rng.NextDouble() < Options.ClutterProbability)
        {
            int strokes = rng.Next(10, 31);
            for (int k = 0; k < strokes; k++)
            {
                double x = rng.NextDouble() * w, y = rng.NextDouble() * h;
                double angle = rng.NextDouble() * Math.PI, length = (0.02 + rng.NextDouble() * 0.1) * w;
                clutter.Add(new ClutterStroke(x, y, x + length * Math.Cos(angle), y + length * Math.Sin(angle),
                    0.6 + rng.NextDouble() * 0.8, (byte)rng.Next(130, 206)));
            }
        }
        return new Scene(w, h, Options.CellSize, background, clutter, objects);
    }

    /// <summary>
    /// Each object in its own random grid cell, with a random radius (0.34 to 0.47 of the cell) and a random offset that
    /// keeps it inside the cell, so objects never overlap.
    /// </summary>
    private List<SceneObject> Place(Random rng, List<(ShapeKind Shape, ObjectColor Color)> specs)
    {
        int cells = Options.Columns * Options.Rows;
        var chosen = new List<int>(specs.Count);
        while (chosen.Count < specs.Count)
        {
            int cell = rng.Next(cells);
            if (!chosen.Contains(cell)) chosen.Add(cell);
        }
        double size = Options.CellSize;
        return specs.Select((spec, i) =>
        {
            double r = (0.34 + rng.NextDouble() * 0.13) * size;
            double slack = size / 2 - r - 0.5;
            double x = (chosen[i] % Options.Columns + 0.5) * size + (rng.NextDouble() * 2 - 1) * slack;
            double y = (chosen[i] / Options.Columns + 0.5) * size + (rng.NextDouble() * 2 - 1) * slack;
            return new SceneObject(spec.Shape, spec.Color, Paint(rng, spec.Color), x, y, r, Rotation(rng, spec.Shape));
        }).ToList();
    }

    /// <summary>Small tilts keep squares square-looking and triangles pointing up; stars may turn a whole arm.</summary>
    private static double Rotation(Random rng, ShapeKind shape) => shape switch
    {
        ShapeKind.Circle => 0,
        ShapeKind.Star => (rng.NextDouble() * 2 - 1) * 36,
        _ => (rng.NextDouble() * 2 - 1) * 18,
    };

    private static Rgb Paint(Random rng, ObjectColor color)
    {
        var c = color.Nominal();
        return new Rgb(Jitter(rng, c.R, 14), Jitter(rng, c.G, 14), Jitter(rng, c.B, 14));
    }

    private static byte Jitter(Random rng, int value, int amount) => (byte)Math.Clamp(value + rng.Next(-amount, amount + 1), 0, 255);

    private static T Pick<T>(Random rng, IReadOnlyList<T> options) => options[rng.Next(options.Count)];

    private static int IndexOf(Scene scene, (ShapeKind Shape, ObjectColor Color) pair) =>
        scene.Objects.Select((o, i) => (o, i)).Single(x => x.o.Shape == pair.Shape && x.o.Color == pair.Color).i;
}
