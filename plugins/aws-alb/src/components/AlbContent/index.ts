export { AlbContent } from './AlbContent';
