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

    public static string NumberWord(int count) => count switch
    {
        1 => "one",
        2 => "two",
        3 => "three",
        4 => "four",
        _ => throw new ArgumentOutOfRangeException(nameof(count), count, "scenes hold one to four objects of a shape"),
    };

    /// <summary>Every sentence the templates can produce, for building and checking the vocabulary.</summary>
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
        foreach (var shape in ShapeNames.All)
        for (int count = 0; count <= 4; count++)
        {
            var (q, a) = Count(shape, count);
            yield return q;
            yield return a;
        }
    }
}
