namespace Glimpse.Demo.Questions;

/// <summary>What a question asks; each needs specific objects to answer.</summary>
public enum QuestionKind
{
    /// <summary>"What color is the triangle?" (exactly one triangle).</summary>
    Color,
    /// <summary>"What shape is the blue object?" (exactly one blue object).</summary>
    Shape,
    /// <summary>"Which object is left of the red circle?" (exactly one object on that side, none in between).</summary>
    Relation,
    /// <summary>"How many squares are there?" (zero to four).</summary>
    Count,
    /// <summary>"Is there a yellow star?" (yes or no).</summary>
    Exist,
    /// <summary>
    /// "Describe the scene." → "There is a red circle, a blue star and a green square.": every object, in reading order
    /// (<see cref="SceneQuestions.ReadingOrder"/>); the evidence is every object.
    /// </summary>
    Describe,
    /// <summary>
    /// "Which objects are red?" → "The circle and the star are red." (asked only about a colour the scene holds): the
    /// shapes of that colour in reading order; the evidence is those objects.
    /// </summary>
    ColorGroup,
}

/// <summary>Where one object lies relative to another, with a margin (see <see cref="SpatialRelations"/>).</summary>
public enum SpatialRelation { LeftOf, RightOf, Above, Below }

public static class QuestionKinds
{
    public static IReadOnlyList<QuestionKind> All { get; } = Enum.GetValues<QuestionKind>();

    /// <summary>The name used in dataset tags and reports ("color", "describe", "color_group", …).</summary>
    public static string Tag(this QuestionKind kind) => kind == QuestionKind.ColorGroup ? "color_group" : kind.ToString().ToLowerInvariant();

    /// <summary>Kinds whose answer names several objects (a response-level answer whose evidence is a union of regions).</summary>
    public static bool NamesSeveralObjects(this QuestionKind kind) => kind is QuestionKind.Describe or QuestionKind.ColorGroup or QuestionKind.Relation;
}
