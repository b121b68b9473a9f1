export { AlbCard } from './AlbCard';
