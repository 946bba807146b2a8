using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Questions;

/// <summary>A question about a scene with its answer and the indices of the objects the answer depends on.</summary>
public sealed record SceneQuestion(QuestionKind Kind, string Question, string Answer, IReadOnlyList<int> EvidenceObjects);

/// <summary>
/// The questions a given scene supports, each only where its answer is unambiguous: a colour question about a shape
/// the scene holds once, a shape question about a colour it holds once, a relation question where exactly one object
/// lies clearly on that side of the anchor and every other one clearly on the other side, a colour-group question about
/// a colour the scene holds; counts, existence and descriptions are always well defined.
/// </summary>
public static class SceneQuestions
{
    /// <summary>
    /// Relation margin, in grid cells: objects in the same column (or row) are neither left nor right of each other
    /// (above nor below), and objects a column apart are.
    /// </summary>
    public const double RelationMarginCells = 0.5;

    public static SceneQuestion Color(Scene scene, int target)
    {
        var o = scene.Objects[target];
        if (scene.Objects.Count(x => x.Shape == o.Shape) != 1) throw new ArgumentException($"the scene holds more than one {o.Shape.Name()}");
        var (q, a) = Phrasing.Color(o);
        return new SceneQuestion(QuestionKind.Color, q, a, [target]);
    }

    public static SceneQuestion Shape(Scene scene, int target)
    {
        var o = scene.Objects[target];
        if (scene.Objects.Count(x => x.Color == o.Color) != 1) throw new ArgumentException($"the scene holds more than one {o.Color.Name()} object");
        var (q, a) = Phrasing.Shape(o);
        return new SceneQuestion(QuestionKind.Shape, q, a, [target]);
    }

    public static SceneQuestion Count(Scene scene, ShapeKind shape)
    {
        var counted = Enumerable.Range(0, scene.Objects.Count).Where(i => scene.Objects[i].Shape == shape).ToArray();
        var (q, a) = Phrasing.Count(shape, counted.Length);
        return new SceneQuestion(QuestionKind.Count, q, a, counted);
    }

    public static SceneQuestion Exist(Scene scene, ObjectColor color, ShapeKind shape)
    {
        var found = Enumerable.Range(0, scene.Objects.Count).Where(i => scene.Objects[i].Color == color && scene.Objects[i].Shape == shape).ToArray();
        var (q, a) = Phrasing.Exist(color, shape, found.Length > 0);
        return new SceneQuestion(QuestionKind.Exist, q, a, found);
    }

    /// <summary>
    /// The objects' indices in reading order: by the row of the grid cell an object sits in, top to bottom, then by its
    /// column, left to right (one object per cell, so the order is total). List answers name objects in this order.
    /// </summary>
    public static int[] ReadingOrder(Scene scene) => Enumerable.Range(0, scene.Objects.Count)
        .OrderBy(i => (int)Math.Floor(scene.Objects[i].Y / scene.CellSize))
        .ThenBy(i => (int)Math.Floor(scene.Objects[i].X / scene.CellSize))
        .ToArray();

    /// <summary>"Describe the scene.": every object, in reading order; the evidence is every object.</summary>
    public static SceneQuestion Describe(Scene scene)
    {
        var order = ReadingOrder(scene);
        var (q, a) = Phrasing.Describe(order.Select(i => scene.Objects[i]).ToList());
        return new SceneQuestion(QuestionKind.Describe, q, a, order);
    }

    /// <summary>"Which objects are {color}?": the shapes of that colour in reading order; the evidence is those objects.</summary>
    public static SceneQuestion ColorGroup(Scene scene, ObjectColor color)
    {
        var group = ReadingOrder(scene).Where(i => scene.Objects[i].Color == color).ToArray();
        if (group.Length == 0) throw new ArgumentException($"the scene holds no {color.Name()} object");
        var (q, a) = Phrasing.ColorGroup(color, group.Select(i => scene.Objects[i].Shape).ToList());
        return new SceneQuestion(QuestionKind.ColorGroup, q, a, group);
    }

    /// <summary>"Which object is {relation} the {anchor}?", or null where that has no unambiguous answer.</summary>
    public static SceneQuestion? Relation(Scene scene, int anchor, SpatialRelation relation)
    {
        if (SpatialRelations.UniqueMatch(scene.Objects, anchor, relation, RelationMarginCells * scene.CellSize) is not int target) return null;
        var (q, a) = Phrasing.Relation(scene.Objects[target], relation, scene.Objects[anchor]);
        return new SceneQuestion(QuestionKind.Relation, q, a, [target, anchor]);
    }

    /// <summary>
    /// A random question of <paramref name="kind"/> that the scene supports, or null when it supports none. Existence
    /// questions ask about an object that is there half the time.
    /// </summary>
    public static SceneQuestion? Random(Scene scene, QuestionKind kind, Random rng)
    {
        var objects = scene.Objects;
        var indices = Enumerable.Range(0, objects.Count).ToArray();
        switch (kind)
        {
            case QuestionKind.Color:
            {
                var unique = indices.Where(i => objects.Count(o => o.Shape == objects[i].Shape) == 1).ToArray();
                return unique.Length == 0 ? null : Color(scene, unique[rng.Next(unique.Length)]);
            }
            case QuestionKind.Shape:
            {
                var unique = indices.Where(i => objects.Count(o => o.Color == objects[i].Color) == 1).ToArray();
                return unique.Length == 0 ? null : Shape(scene, unique[rng.Next(unique.Length)]);
            }
            case QuestionKind.Count:
                return Count(scene, ShapeNames.All[rng.Next(ShapeNames.All.Count)]);
            case QuestionKind.Exist:
                if (rng.Next(2) == 0)
                {
                    var o = objects[rng.Next(objects.Count)];
                    return Exist(scene, o.Color, o.Shape);
                }
                var absent = ShapeNames.All.SelectMany(s => ObjectColors.All.Select(c => (s, c)))
                    .Where(p => !objects.Any(o => o.Shape == p.s && o.Color == p.c))
                    .ToArray();
                var (shape, color) = absent[rng.Next(absent.Length)];
                return Exist(scene, color, shape);
            case QuestionKind.Relation:
            {
                var candidates = indices.SelectMany(a => Enum.GetValues<SpatialRelation>().Select(r => Relation(scene, a, r))).OfType<SceneQuestion>().ToArray();
                return candidates.Length == 0 ? null : candidates[rng.Next(candidates.Length)];
            }
            case QuestionKind.Describe:
                return Describe(scene);
            case QuestionKind.ColorGroup:
            {
                var colors = objects.Select(o => o.Color).Distinct().Order().ToArray();
                return ColorGroup(scene, colors[rng.Next(colors.Length)]);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }
}
