using Glimpse.Demo.Scenes;

namespace Glimpse.Demo.Questions;

/// <summary>
/// Spatial relations between object centres. "A is left of B" means A's centre is left of B's by at least the margin;
/// a question about B is only asked when exactly one object is on that side and every other object is clearly on
/// the opposite side, so the answer is unambiguous to a person.
/// </summary>
public static class SpatialRelations
{
    public static string Phrase(this SpatialRelation relation) => relation switch
    {
        SpatialRelation.LeftOf => "left of",
        SpatialRelation.RightOf => "right of",
        SpatialRelation.Above => "above",
        SpatialRelation.Below => "below",
        _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, null),
    };

    /// <summary>How far past the anchor's centre (along the relation's axis, image y pointing down) the object's centre lies.</summary>
    public static double Offset(SpatialRelation relation, SceneObject obj, SceneObject anchor) => relation switch
    {
        SpatialRelation.LeftOf => anchor.X - obj.X,
        SpatialRelation.RightOf => obj.X - anchor.X,
        SpatialRelation.Above => anchor.Y - obj.Y,
        SpatialRelation.Below => obj.Y - anchor.Y,
        _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, null),
    };

    /// <summary>The one object in <paramref name="relation"/> to the anchor, or null when there is none or it is ambiguous.</summary>
    public static int? UniqueMatch(IReadOnlyList<SceneObject> objects, int anchor, SpatialRelation relation, double margin)
    {
        int? match = null;
        for (int i = 0; i < objects.Count; i++)
        {
            if (i == anchor) continue;
            double offset = Offset(relation, objects[i], objects[anchor]);
            if (offset >= margin)
            {
                if (match is not null) return null;
                match = i;
            }
            else if (offset > -margin) return null;   // too close to the anchor's line to call either way
        }
        return match;
    }
}
