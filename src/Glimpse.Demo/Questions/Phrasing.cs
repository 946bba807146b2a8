using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Questions;

/// <summary>
/// The question and answer templates. Answers are whole sentences that restate what was asked, so an answer is right
/// only when every word is.
/// </summary>
public static class Phrasing
{
    public static (string Question, string Answer) Color(SceneObject target) =>
        ($"What color is the {target.Shape.Name()}?", $"The {target.Shape.Name()} is {target.Color.Name()}.");

    public static (string Question, string Answer) Shape(SceneObject target) =>
        ($"What shape is the {target.Color.Name()} object?", $"The {target.Color.Name()} object is a {target.Shape.Name()}.");

    public static (string Question, string Answer) Relation(SceneObject target, SpatialRelation relation, SceneObject anchor) =>
        ($"Which object is {relation.Phrase()} the {anchor.Description}?",
         $"The {target.Description} is {relation.Phrase()} the {anchor.Description}.");

    public static (string Question, string Answer) Count(ShapeKind shape, int count) =>
        ($"How many {shape.Plural()} are there?", count switch
        {
            0 => $"There are no {shape.Plural()}.",
            1 => $"There is one {shape.Name()}.",
            _ => $"There are {NumberWord(count)} {shape.Plural()}.",
        });

    public static (string Question, string Answer) Exist(ObjectColor color, ShapeKind shape, bool present) =>
        ($"Is there a {color.Name()} {shape.Name()}?",
         present ? $"Yes, there is a {color.Name()} {shape.Name()}." : $"No, there is no {color.Name()} {shape.Name()}.");

    /// <summary>"Describe the scene." → "There is a red circle, a blue star and a green square." (objects in the order given).</summary>
    public static (string Question, string Answer) Describe(IReadOnlyList<SceneObject> objects) =>
        ("Describe the scene.", $"There is {List(objects.Select(o => $"a {o.Description}"))}.");

    /// <summary>"Which objects are red?" → "The circle is red." / "The circle and the star are red." (shapes in the order given).</summary>
    public static (string Question, string Answer) ColorGroup(ObjectColor color, IReadOnlyList<ShapeKind> shapes) =>
        ($"Which objects are {color.Name()}?",
         $"{Capitalize(List(shapes.Select(s => $"the {s.Name()}")))} {(shapes.Count == 1 ? "is" : "are")} {color.Name()}.");

    /// <summary>"a", "a and b", "a, b and c", "a, b, c and d".</summary>
    public static string List(IEnumerable<string> parts)
    {
        var all = parts.ToList();
        if (all.Count == 0) throw new ArgumentException("a list needs at least one part", nameof(parts));
        return all.Count == 1 ? all[0] : $"{string.Join(", ", all.Take(all.Count - 1))} and {all[^1]}";
    }

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    public static string NumberWord(int count) => count switch
    {
        1 => "one",
        2 => "two",
        3 => "three",
        4 => "four",
        _ => throw new ArgumentOutOfRangeException(nameof(count), count, "scenes hold one to four objects of a shape"),
    };

    /// <summary>
    /// Every sentence the templates can produce, for building and checking the vocabulary, except that of the list
    /// answers (describe, color group) only the lists of one to four objects taken in turn from a rotation of all
    /// objects (each object in every position): every list's words are those of its items, commas and "and".
    /// </summary>
    public static IEnumerable<string> AllSentences()
    {
        var objects = ShapeNames.All.SelectMany(s => ObjectColors.All.Select(c => new SceneObject(s, c, default, 0, 0, 1, 0))).ToList();
        foreach (var o in objects)
        {
            foreach (var (q, a) in new[] { Color(o), Shape(o), Exist(o.Color, o.Shape, true), Exist(o.Color, o.Shape, false) })
            {
                yield return q;
                yield return a;
            }
            foreach (var relation in Enum.GetValues<SpatialRelation>())
            foreach (var other in objects.Where(x => x != o))
            {
                var (q, a) = Relation(other, relation, o);
                yield return q;
                yield return a;
            }
        }
        for (int length = 1; length <= 4; length++)
        for (int start = 0; start < objects.Count; start++)
        {
            var listed = Enumerable.Range(0, length).Select(k => objects[(start + 7 * k) % objects.Count]).ToList();
            var (q, a) = Describe(listed);
            yield return q;
            yield return a;
        }
        foreach (var color in ObjectColors.All)
        for (int length = 1; length <= 4; length++)
        for (int start = 0; start < ShapeNames.All.Count; start++)
        {
            var (q, a) = ColorGroup(color, Enumerable.Range(0, length).Select(k => ShapeNames.All[(start + k) % ShapeNames.All.Count]).ToList());
            yield return q;
            yield return a;
        }
        foreach (var shape in ShapeNames.All)
        for (int count = 0; count <= 4; count++)
        {
            var (q, a) = Count(shape, count);
            yield return q;
            yield return a;
        }
    }
}
